import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { quietKafkajsTimeoutWarnings } from '../../../kafka/quiet-warnings.ts';

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('cannot read the port the OS assigned'));
      });
    });
  });
}

/**
 * Asks the broker once for its cluster metadata and for a group coordinator; true when both
 * answer. Waiting for the coordinator too means a consumer group's first join does not meet
 * "the group coordinator is not available" on a fresh broker.
 */
export async function brokerAnswers(bootstrap: string): Promise<boolean> {
  quietKafkajsTimeoutWarnings();
  const admin = new Kafka({
    clientId: 'vpo-env-ready',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller === null) return false;
    await admin.describeGroups(['vpo-env-ready']);
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Polls until the broker answers or `isRunning` turns false or `timeoutMs` passes; the error
 * names what happened, and the caller adds the log tail.
 */
export async function waitForBroker(
  bootstrap: string,
  isRunning: () => boolean,
  timeoutMs: number,
  pollMs = 250,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!isRunning()) throw new Error(`Kafka exited before it accepted clients on ${bootstrap}`);
    if (await brokerAnswers(bootstrap)) return;
    await sleep(pollMs);
  }
  throw new Error(`Kafka did not accept clients on ${bootstrap} within ${timeoutMs} ms`);
}
