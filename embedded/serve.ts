// The HTTP side of the embedded mode (`vpo run --port N`): the same app every runtime role serves
// (/healthz, /readyz, /metrics), on loopback only, since `vpo run` is a local tool.
import type { FastifyInstance } from 'fastify';
import { buildOpsApp } from '../runtime/http/server.ts';
import type { RuntimeMetrics } from '../runtime/metrics.ts';

export interface EmbeddedServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Marks the models loaded and the (in-process) transport connected: /readyz turns 200. */
  ready(): void;
  close(): Promise<void>;
}

export async function serveEmbedded(
  metrics: Pick<RuntimeMetrics, 'registry'>,
  port: number,
  host = '127.0.0.1',
): Promise<EmbeddedServer> {
  let up = false;
  const app: FastifyInstance = await buildOpsApp({
    metrics,
    readiness: () => ({ modelsLoaded: up, transportConnected: up }),
  });
  try {
    await app.listen({ port, host });
  } catch (error) {
    await app.close();
    throw new Error(`cannot serve HTTP on ${host}:${port}: ${(error as Error).message}`, { cause: error });
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host}:${bound}`,
    ready: () => {
      up = true;
    },
    close: () => app.close(),
  };
}
