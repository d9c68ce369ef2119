// Readiness probes: HTTPS GETs against the components' health endpoints and a polling loop.
import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TlsClient {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Components that serve a self-signed certificate of their own (scheduler, controller-manager). */
  insecure?: boolean;
}

export function httpsGet(url: string, tls: TlsClient): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !tls.insecure, timeout: 5_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Polls `check` until it returns true. Before each try `alive` may throw (a component died), which
 * ends the wait at once. Throws when `deadline` (epoch ms) passes, with the last failure's reason.
 */
export async function waitUntil(
  what: string,
  deadline: number,
  check: () => Promise<boolean>,
  alive: () => void = () => {},
): Promise<void> {
  let lastError = 'not yet';
  for (;;) {
    alive();
    try {
      if (await check()) return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${lastError})`);
    await sleep(200);
  }
}
