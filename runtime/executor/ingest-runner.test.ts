import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PublishRejectedError, type Transport } from '../transport/transport.ts';
import {
  CountingFrames,
  diamondConfig,
  FakeClock,
  FakeIngestor,
  quietLogger,
} from './fixtures.test-support.ts';
import { ingestHandler } from './ingest-runner.ts';

function failingTransport(): Transport & { letters: unknown[] } {
  const letters: unknown[] = [];
  return {
    letters,
    publish: async () => {
      throw Object.assign(new Error('record too large'), { retriable: false });
    },
    publishDeadLetters: async (ls) => void letters.push(...ls),
    subscribe: async () => {
      throw new Error('not used');
    },
    connected: () => true,
    close: async () => {},
  };
}

test('ingested frames are released when the stage message cannot be published (no orphan per retry)', async () => {
  const frames = new CountingFrames();
  const ctx = {
    config: diamondConfig(),
    transport: failingTransport(),
    frames,
    clock: new FakeClock(),
    logger: quietLogger,
  };
  const handler = ingestHandler(ctx, new FakeIngestor(frames));
  const message = { videoId: 'v1', source: 'file:///v1', ingestedAtMs: 1, outputs: {} };
  for (let attempt = 0; attempt < 3; attempt++) await assert.rejects(handler([message]), /record too large/);
  assert.equal(frames.holds.get('ref-v1'), 0);
});

test('a stage message carries only the contract fields, not what the source record added', async () => {
  const frames = new CountingFrames();
  const published: unknown[] = [];
  const transport = {
    ...failingTransport(),
    publish: async (_t: string, ms: unknown[]) => void published.push(...ms),
  };
  const ctx = { config: diamondConfig(), transport, frames, clock: new FakeClock(), logger: quietLogger };
  const handler = ingestHandler(ctx, new FakeIngestor(frames));
  const bloated = {
    videoId: 'v2',
    source: 'file:///v2',
    ingestedAtMs: 1,
    outputs: {},
    junk: 'x'.repeat(1000),
  };
  await handler([bloated]);
  assert.ok(published.length > 0);
  for (const m of published)
    assert.deepEqual(Object.keys(m as object).sort(), [
      'frameRef',
      'ingestedAtMs',
      'meta',
      'outputs',
      'source',
      'videoId',
    ]);
});

test('a stage message the broker refuses for good is a dead letter: decoded once, frames released, the batch goes on', async () => {
  const frames = new CountingFrames();
  const published: { topic: string; videoId: string }[] = [];
  const letters: { videoId: string; reason: string }[] = [];
  const transport: Transport = {
    publish: async (topic, ms) => {
      const refused = ms.filter((m) => m.videoId === 'huge');
      for (const m of ms) if (m.videoId !== 'huge') published.push({ topic, videoId: m.videoId });
      if (refused.length > 0)
        throw new PublishRejectedError(
          topic,
          refused.map((m) => ({
            videoId: m.videoId,
            reason: 'OutputTooLarge',
            error: 'over message.max.bytes',
          })),
        );
    },
    publishDeadLetters: async (ls) =>
      void letters.push(...ls.map((l) => ({ videoId: l.videoId, reason: l.reason }))),
    subscribe: async () => {
      throw new Error('not used');
    },
    connected: () => true,
    close: async () => {},
  };
  const ctx = { config: diamondConfig(), transport, frames, clock: new FakeClock(), logger: quietLogger };
  const ingestor = new FakeIngestor(frames);
  const handler = ingestHandler(ctx, ingestor);
  const message = (videoId: string) => ({
    videoId,
    source: `file:///${videoId}`,
    ingestedAtMs: 1,
    outputs: {},
  });
  await handler([message('huge'), message('fine')]);
  assert.deepEqual(letters, [{ videoId: 'huge', reason: 'OutputTooLarge' }]);
  assert.deepEqual(ingestor.calls, ['file:///huge', 'file:///fine']);
  assert.equal(frames.holds.get('ref-huge'), 0);
  assert.ok((frames.holds.get('ref-fine') ?? 0) > 0);
  assert.ok(published.some((p) => p.videoId === 'fine'));
});
