// Prometheus scrape endpoint over the role's own registry (no global registry).
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

export function metricsRoutes(registry: Registry): FastifyPluginAsync {
  return async (app) => {
    app.get('/metrics', async (_request, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    });
  };
}
