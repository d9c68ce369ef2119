import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeadLetter, StageMessage } from '../transport.ts';
import { type DeliverContext, deliverWithRetries } from './deliver.ts';

function context(letters: DeadLetter[], sleeps: number[]): DeliverContext {
  return {
    topic: 't',
    stage: 'scene',
    retry: { maxRetries: 2, backoffMs: 10 },
    clock: { nowMs: () => 0, sleep: async (ms) => void sleeps.push(ms) },
    logger: { info() {}, warn() {}, error() {} },
    isRunning: () => true,
    isTransportError: (e) => (e as Error).message === 'kafka down',
    publishDeadLetters: async (l) => void letters.push(...l),
  };
}

const msg = (videoId: string) =>
  ({ videoId, source: `file:///${videoId}`, ingestedAtMs: 0, outputs: {} }) as StageMessage;

test('a poison message is dead-lettered after its retries; its neighbours go through', async () => {
  const letters: DeadLetter[] = [];
  const sleeps: number[] = [];
  const handled: string[] = [];
  const ok = await deliverWithRetries(
    async (ms) => {
      if (ms.some((m) => m.videoId === 'bad')) throw new Error('boom');
      handled.push(...ms.map((m) => m.videoId));
    },
    [msg('a'), msg('bad'), msg('b')],
    context(letters, sleeps),
  );
  assert.equal(ok, true);
  assert.deepEqual(handled, ['a', 'b']);
  assert.deepEqual(
    letters.map((l) => [l.videoId, l.reason, l.attempts]),
    [['bad', 'InvalidMessage', 3]],
  );
  assert.deepEqual(sleeps.slice(0, 2), [10, 20]);
});

test('Kafka being down is retried past maxRetries, never dead-lettered', async () => {
  const letters: DeadLetter[] = [];
  let failures = 5;
  const ok = await deliverWithRetries(
    async () => {
      if (failures-- > 0) throw new Error('kafka down');
    },
    [msg('a')],
    context(letters, []),
  );
  assert.equal(ok, true);
  assert.deepEqual(letters, []);
});
