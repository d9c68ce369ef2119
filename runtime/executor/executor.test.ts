import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RuntimeConfig } from '../../contract/runtime-config.ts';
import { InProcTransport } from '../transport/inproc.ts';
import type { StageMessage } from '../transport/transport.ts';
import { startExecutor } from './executor.ts';
import {
  CountingFrames,
  diamondConfig,
  FakeClock,
  FakeIngestor,
  FakeWorker,
  quietLogger,
  reasonError,
  Settled,
} from './fixtures.test-support.ts';

function harness(config: RuntimeConfig = diamondConfig()) {
  const transport = new InProcTransport({ capacityPerTopic: config.limits.queueCapacity });
  const frames = new CountingFrames();
  const clock = new FakeClock();
  const ingestor = new FakeIngestor(frames);
  const workers = {
    scene: new FakeWorker((m) => ({ label: `scene-of-${m.videoId}` })),
    motion: new FakeWorker(() => ({ label: 'moving' })),
    fusion: new FakeWorker((m) => ({ label: `${(m.outputs.motion as { label: string }).label}+fused` })),
  };
  const settled = new Settled();
  const ctx = { config, transport, frames, clock, logger: quietLogger };
  const start = async () => {
    await transport.subscribe(config.topics.output, 'results', settled.onResults, { maxBatch: 8 });
    transport.subscribeDeadLetters(settled.onLetters);
    return startExecutor(ctx, { ingestor, workers });
  };
  const submit = (ids: string[]) =>
    transport.publish(
      config.topics.source,
      ids.map(
        (id): StageMessage => ({
          videoId: id,
          source: `file:///${id}`,
          ingestedAtMs: clock.now,
          outputs: {},
        }),
      ),
    );
  return { transport, frames, clock, ingestor, workers, settled, start, submit };
}

test('runs parallel branches, joins them by videoId and frees the frames after the last reader', async () => {
  const h = harness();
  const executor = await h.start();
  // More videos than any queue holds: the source must wait for space (bounded queues).
  const ids = Array.from({ length: 12 }, (_, i) => `v${i}`);
  await h.submit(ids);
  await h.settled.waitFor(ids.length);
  assert.equal(h.settled.letters.length, 0);
  const v3 = h.settled.results.get('v3');
  assert.deepEqual(v3?.outputs, {
    scene: { label: 'scene-of-v3' },
    motion: { label: 'moving' },
    fusion: { label: 'moving+fused' },
  });
  assert.equal(v3?.frameRef, 'ref-v3');
  // fusion got the merged message, never a half-joined one
  assert.ok(h.workers.fusion.seen.every((m) => 'scene' in m.outputs && 'motion' in m.outputs));
  assert.equal(h.workers.fusion.seen.length, 12);
  // deadline = ingest time + the stage's offset
  assert.equal(h.workers.scene.deadlines[0], h.clock.now + 1150);
  for (const id of ids) assert.equal(h.frames.holds.get(`ref-${id}`), 0, id);
  await executor.stop();
  await h.transport.close();
});

test('a video that cannot be ingested is a dead letter; retriable failures are retried first', async () => {
  const h = harness();
  h.ingestor.failures.set('file:///junk', reasonError('NotAVideo'));
  h.ingestor.failures.set('file:///flaky', reasonError('FetchFailed', true));
  const executor = await h.start();
  await h.submit(['junk', 'flaky', 'good']);
  await h.settled.waitFor(3);
  const byId = Object.fromEntries(h.settled.letters.map((l) => [l.videoId, l]));
  assert.equal(byId.junk?.reason, 'NotAVideo');
  assert.equal(byId.junk?.stage, 'ingest');
  assert.equal(byId.junk?.attempts, 1);
  assert.equal(byId.junk?.source, 'file:///junk');
  assert.equal((byId.junk?.original as StageMessage | undefined)?.videoId, 'junk');
  assert.equal(byId.flaky?.reason, 'FetchFailed');
  assert.equal(byId.flaky?.attempts, 3);
  assert.deepEqual(h.clock.sleeps, [10, 20]);
  assert.ok(h.settled.results.has('good'));
  await executor.stop();
  await h.transport.close();
});

test('a stage failure dead-letters the video, releases its holds, and the join times out', async () => {
  const h = harness();
  h.workers.scene = new FakeWorker((m) => {
    if (m.videoId === 'bad') throw reasonError('InputMismatch');
    return { label: 'x' };
  });
  const executor = await h.start();
  await h.submit(['bad', 'ok']);
  await h.settled.waitFor(2);
  assert.deepEqual(
    h.settled.letters.map((l) => [l.videoId, l.stage, l.reason, l.attempts]),
    [['bad', 'scene', 'InputMismatch', 1]],
  );
  // scene's hold released at death, motion's after it finished
  assert.equal(h.frames.holds.get('ref-bad'), 0);
  // motion's output for 'bad' waits in the join until the timeout passes
  await executor.expireJoins(h.clock.now + 1000);
  assert.equal(h.settled.letters.length, 1);
  await executor.expireJoins(h.clock.now + 1001);
  const timeout = h.settled.letters[1];
  assert.equal(timeout?.reason, 'JoinTimeout');
  assert.equal(timeout?.stage, 'fusion');
  assert.match(timeout?.error ?? '', /no input from scene within 1000 ms/);
  assert.ok(h.settled.results.has('ok'));
  await executor.stop();
  await h.transport.close();
});

test('retriable stage errors are retried; exhausted retries dead-letter with the attempts', async () => {
  const h = harness();
  let flakes = 1;
  h.workers.motion = new FakeWorker((m) => {
    if (m.videoId === 'once' && flakes-- > 0) throw reasonError('InferenceFailed', true);
    if (m.videoId === 'always') throw new Error('out of memory, no reason given');
    return { label: 'static' };
  });
  const executor = await h.start();
  await h.submit(['once', 'always']);
  await h.settled.waitFor(2);
  assert.ok(h.settled.results.has('once'));
  const letter = h.settled.letters.find((l) => l.videoId === 'always');
  assert.equal(letter?.reason, 'InferenceFailed');
  assert.equal(letter?.attempts, 1);
  assert.match(letter?.error ?? '', /out of memory/);
  await executor.stop();
  await h.transport.close();
});

test('late items are dead-lettered under latePolicy deadLetter', async () => {
  const base = diamondConfig();
  const h = harness({ ...base, latency: { ...base.latency, latePolicy: 'deadLetter' } });
  const executor = await h.start();
  await h.transport.publish('t.scene', [
    {
      videoId: 'late',
      source: 'file:///late',
      frameRef: 'ref-late',
      ingestedAtMs: h.clock.now - 5000,
      outputs: {},
    },
  ]);
  await h.settled.waitFor(1);
  assert.equal(h.settled.letters[0]?.reason, 'DeadlineExceeded');
  assert.equal(h.workers.scene.seen.length, 0);
  await executor.stop();
  await h.transport.close();
});

test('a message that is not a StageMessage is an InvalidMessage dead letter; the stage goes on', async () => {
  const h = harness();
  const executor = await h.start();
  const junk = { videoId: 'junk', source: 'x', outputs: 'nope' } as unknown as StageMessage;
  await h.transport.publish('t.motion', [junk]);
  await h.submit(['after']);
  await h.settled.waitFor(2);
  assert.equal(h.settled.letters[0]?.reason, 'InvalidMessage');
  assert.equal(h.settled.letters[0]?.stage, 'motion');
  assert.ok(h.settled.results.has('after'));
  await executor.stop();
  await h.transport.close();
});

test('the ingest keeps two chunks of downloadConcurrency videos in flight, so one fetches while one decodes', async () => {
  const config = diamondConfig();
  const h = harness(config);
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const started: string[] = [];
  const gated = {
    ingest: async (request: { videoId: string; uri: string }) => {
      started.push(request.videoId);
      await gate;
      return h.ingestor.ingest(request);
    },
  };
  await h.transport.subscribe(config.topics.output, 'results', h.settled.onResults, { maxBatch: 8 });
  // The source holds two chunks' worth before the ingest starts consuming.
  const n = config.source.downloadConcurrency;
  const ids = Array.from({ length: 2 * n }, (_, i) => `v${i}`);
  await h.submit(ids);
  const ctx = { config, transport: h.transport, frames: h.frames, clock: h.clock, logger: quietLogger };
  const executor = await startExecutor(ctx, { ingestor: gated, workers: h.workers });
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  assert.equal(started.length, 2 * n, `${started.length} ingests started with ${n} per chunk`);
  release();
  await h.settled.waitFor(ids.length);
  await executor.stop();
});
