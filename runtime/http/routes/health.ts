// Liveness and readiness. Ready means this role can do its work: its models are loaded and the
// transport is connected; until then /readyz answers 503 with what is missing.
import type { FastifyPluginAsync } from 'fastify';

export interface Readiness {
  modelsLoaded: boolean;
  transportConnected: boolean;
}

export function healthRoutes(readiness: () => Readiness): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_request, reply) => {
      const state = readiness();
      const missing = [
        ...(state.modelsLoaded ? [] : ['models not loaded']),
        ...(state.transportConnected ? [] : ['transport not connected']),
      ];
      if (missing.length > 0) return reply.code(503).send({ status: 'not ready', missing, ...state });
      return { status: 'ready', ...state };
    });
  };
}
