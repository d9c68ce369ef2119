// The fastify app every runtime role serves: /healthz, /readyz, /metrics, and for the ingest role
// POST /v1/videos. `buildApp` only builds (tests use `app.inject()`); the caller listens.
import Fastify, { type FastifyInstance } from 'fastify';
import type { RuntimeMetrics } from '../metrics.ts';
import { healthRoutes, type Readiness } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { type VideoSubmitter, videoRoutes } from './routes/videos.ts';

export interface AppDeps {
  metrics: Pick<RuntimeMetrics, 'registry'>;
  readiness: () => Readiness;
  /** Present on the ingest role: accepts videos over HTTP. */
  videos?: VideoSubmitter;
  /** Largest request body, bytes (default 64 KiB: a request is a URI, never a video). */
  bodyLimitBytes?: number;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: deps.bodyLimitBytes ?? 64 * 1024 });
  // Every error leaves as {reason, message}: malformed JSON, wrong content type, too large.
  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, _request, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    const reason = status === 500 ? 'InternalError' : status === 413 ? 'TooLarge' : 'InvalidRequest';
    return reply.code(status).send({ reason, message: error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ reason: 'NotFound', message: `no route ${request.method} ${request.url}` }),
  );
  await app.register(healthRoutes(deps.readiness));
  await app.register(metricsRoutes(deps.metrics.registry));
  if (deps.videos) await app.register(videoRoutes(deps.videos));
  return app;
}
