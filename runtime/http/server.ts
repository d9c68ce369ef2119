// The fastify apps a runtime role serves, each on its own port so a NetworkPolicy can open one
// without the other: the ops app (/healthz, /readyz, /metrics: probes and Prometheus) on every
// role, and the ingest API (POST /v1/videos: submissions) on the ingest role. `build*` only
// builds (tests use `app.inject()`); the caller listens. Every server bounds how long a request
// may take to arrive, how long an idle connection stays, and how many connections it holds, so
// slow clients cannot pin its sockets.
import http from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { RuntimeMetrics } from '../metrics.ts';
import { bearerAuth } from './auth.ts';
import { healthRoutes, type Readiness } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { type VideoSubmitter, videoRoutes } from './routes/videos.ts';

export interface ServerLimits {
  /** A request must arrive whole (headers and body) within this, ms. */
  requestTimeoutMs: number;
  /** A connection with no traffic is closed after this, ms. */
  idleTimeoutMs: number;
  /** A kept-alive connection waits this long for its next request, ms. */
  keepAliveTimeoutMs: number;
  /** Connections held at once; more are closed on accept. */
  maxConnections: number;
  /** Largest request body, bytes (a request is a URI, never a video). */
  bodyLimitBytes: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  requestTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 256,
  bodyLimitBytes: 64 * 1024,
};

function baseApp(limits: ServerLimits): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: limits.bodyLimitBytes,
    serverFactory: (handler) => {
      const server = http.createServer(
        {
          requestTimeout: limits.requestTimeoutMs,
          headersTimeout: Math.min(limits.requestTimeoutMs, 60_000),
          keepAliveTimeout: limits.keepAliveTimeoutMs,
          // Node checks the request timeout on this interval (default 30 s): check often enough
          // for the bound to hold.
          connectionsCheckingInterval: Math.max(100, Math.min(1000, limits.requestTimeoutMs / 4)),
        },
        handler,
      );
      server.setTimeout(limits.idleTimeoutMs);
      server.maxConnections = limits.maxConnections;
      return server;
    },
  });
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
  return app;
}

export interface OpsAppDeps {
  metrics: Pick<RuntimeMetrics, 'registry'>;
  readiness: () => Readiness;
}

/** /healthz, /readyz, /metrics: for the kubelet and Prometheus. */
export async function buildOpsApp(
  deps: OpsAppDeps,
  limits: ServerLimits = DEFAULT_SERVER_LIMITS,
): Promise<FastifyInstance> {
  const app = baseApp(limits);
  await app.register(healthRoutes(deps.readiness));
  await app.register(metricsRoutes(deps.metrics.registry));
  return app;
}

export interface ApiAppDeps {
  videos: VideoSubmitter;
  /** When set, POST /v1/videos needs `Authorization: Bearer <token>`. */
  token?: string;
}

/** POST /v1/videos: for the pipeline's clients. */
export async function buildApiApp(
  deps: ApiAppDeps,
  limits: ServerLimits = DEFAULT_SERVER_LIMITS,
): Promise<FastifyInstance> {
  const app = baseApp(limits);
  if (deps.token !== undefined) app.addHook('onRequest', bearerAuth(deps.token));
  await app.register(videoRoutes(deps.videos));
  return app;
}
