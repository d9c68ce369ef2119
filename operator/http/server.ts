// /healthz, /readyz and /metrics. build() is separate from listen() so tests use inject().
import Fastify, { type FastifyInstance } from 'fastify';
import type { OperatorMetrics } from './metrics.ts';

export interface Probes {
  /** The process works (its loops have not died). */
  healthy(): boolean;
  /** Caches synced (a standby replica is ready too: it serves metrics and waits for the lease). */
  ready(): boolean;
}

export function buildHttp(metrics: OperatorMetrics, probes: Probes): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/healthz', async (_req, reply) =>
    reply.code(probes.healthy() ? 200 : 503).send(probes.healthy() ? 'ok' : 'unhealthy'),
  );
  app.get('/readyz', async (_req, reply) =>
    reply.code(probes.ready() ? 200 : 503).send(probes.ready() ? 'ok' : 'not ready'),
  );
  app.get('/metrics', async (_req, reply) =>
    reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  return app;
}
