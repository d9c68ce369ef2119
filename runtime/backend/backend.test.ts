import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeSampleModels } from '../../scripts/gen-models.ts';
import { createGraphBuilder } from '../../scripts/onnx/graph-builder.ts';
import { SCENE_LABELS } from '../../scripts/onnx/sample-models.ts';
import type { Clock } from '../clock.ts';
import { StageError } from '../inference/errors.ts';
import { loadModel } from '../inference/onnx-model.ts';
import { framesToTensor } from '../preprocess/frames-to-tensor.ts';
import type { FrameInputSpec, Frames } from '../preprocess/input-spec.ts';
import type { PreprocessTarget } from '../preprocess/worker-pool.ts';
import { type Backend, createBackend } from './backend.ts';
import type { SessionConfig } from './hosted-session.ts';
import { QueueFullError } from './session-queue.ts';

const dir = mkdtempSync(join(tmpdir(), 'vpo-backend-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeSampleModels(dir);

// A model that looks up row x of a 3×2 table: x outside 0..2 makes the whole batch throw.
function writeLookupModel(): string {
  const g = createGraphBuilder();
  const idx = g.op('Cast', [g.input('x', ['N', 1])], { to: 7 });
  const rows = g.op('Gather', [g.floats([3, 2], [0, 1, 10, 11, 20, 21]), idx], { axis: 0 });
  g.output('y', g.op('Reshape', [rows, g.ints([2], [-1, 2])]), ['N', 2]);
  const path = join(dir, 'lookup.onnx');
  writeFileSync(path, g.build('lookup'));
  return path;
}
const lookupPath = writeLookupModel();

function fakeClock(): Clock {
  let now = 0;
  return {
    nowMs: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
}

/** As the worker pool does: into the slab slot when given one. */
const preprocess = async (frames: Frames, spec: FrameInputSpec, target?: PreprocessTarget) =>
  framesToTensor(
    frames,
    spec,
    target && new Float32Array(target.buffer, target.offsetFloats * 4, target.lengthFloats),
  );

async function lookupSession(over: Partial<SessionConfig> = {}): Promise<SessionConfig> {
  return {
    stage: 'lookup',
    model: await loadModel({ path: lookupPath, intraOpThreads: 1 }),
    input: { source: 'stages', total: 1 },
    plannedBatch: 4,
    maxQueueDelayMs: 5,
    queueCapacity: 16,
    ...over,
  };
}

async function drain(backend: Backend, work: Promise<unknown>[]): Promise<PromiseSettledResult<unknown>[]> {
  const loop = backend.start();
  const results = await Promise.allSettled(work);
  backend.stop();
  await loop;
  return results;
}

const reasonOf = (r: PromiseSettledResult<unknown>) =>
  r.status === 'rejected' && r.reason instanceof StageError ? r.reason.reason : undefined;

test('one item that breaks the batch fails alone with InferenceFailed; its neighbours succeed', async () => {
  const backend = createBackend([await lookupSession()], { clock: fakeClock(), preprocess });
  const work = [0, 1, 7, 2].map((x, i) =>
    backend.submit('lookup', { id: `v${i}`, deadlineMs: 1000, scores: [[x]] }),
  );
  const results = await drain(backend, work);
  assert.deepEqual(results[0], { status: 'fulfilled', value: { scores: [0, 1] } });
  assert.deepEqual(results[1], { status: 'fulfilled', value: { scores: [10, 11] } });
  assert.equal(reasonOf(results[2]!), 'InferenceFailed');
  assert.deepEqual(results[3], { status: 'fulfilled', value: { scores: [20, 21] } });
});

test('an item whose input does not match the model is InputMismatch; the rest run', async () => {
  const backend = createBackend([await lookupSession()], { clock: fakeClock(), preprocess });
  const bad = backend.submit('lookup', { id: 'bad', deadlineMs: 10, scores: [[1, 2]] });
  const noInput = backend.submit('lookup', { id: 'none', deadlineMs: 10 });
  const good = backend.submit('lookup', { id: 'good', deadlineMs: 10, scores: [[1]] });
  const results = await drain(backend, [bad, noInput, good]);
  assert.equal(reasonOf(results[0]!), 'InputMismatch');
  assert.equal(reasonOf(results[1]!), 'InputMismatch');
  assert.deepEqual(results[2], { status: 'fulfilled', value: { scores: [10, 11] } });
});

test('a full queue refuses more and signals when it accepts again', async () => {
  const backend = createBackend([await lookupSession({ queueCapacity: 2 })], {
    clock: fakeClock(),
    preprocess,
  });
  const work = [0, 1].map((x) => backend.submit('lookup', { id: `v${x}`, deadlineMs: 10, scores: [[x]] }));
  assert.equal(backend.canAccept('lookup'), false);
  await assert.rejects(backend.submit('lookup', { id: 'v2', deadlineMs: 10, scores: [[2]] }), QueueFullError);
  let accepting = false;
  const space = backend.whenAccepting('lookup').then(() => {
    accepting = true;
  });
  assert.equal(accepting, false);
  await drain(backend, [...work, space]);
  assert.equal(accepting, true);
  assert.equal(backend.canAccept('lookup'), true);
});

test('requests run in deadline order, not arrival order', async () => {
  const backend = createBackend([await lookupSession({ plannedBatch: 1 })], {
    clock: fakeClock(),
    preprocess,
  });
  const order: string[] = [];
  const work = [
    ['late', 300],
    ['soon', 100],
    ['mid', 200],
  ].map(([id, deadlineMs]) =>
    backend
      .submit('lookup', { id: String(id), deadlineMs: Number(deadlineMs), scores: [[0]] })
      .then(() => order.push(String(id))),
  );
  await drain(backend, work);
  assert.deepEqual(order, ['soon', 'mid', 'late']);
});

test('sessions sharing a device take turns', async () => {
  const a = await lookupSession({ stage: 'a', plannedBatch: 1 });
  const b = await lookupSession({ stage: 'b', plannedBatch: 1 });
  const backend = createBackend([a, b], { clock: fakeClock(), preprocess });
  const order: string[] = [];
  const work = ['a', 'a', 'a', 'b', 'b', 'b'].map((stage, i) =>
    backend.submit(stage, { id: `${i}`, deadlineMs: 100, scores: [[0]] }).then(() => order.push(stage)),
  );
  await drain(backend, work);
  assert.deepEqual(order, ['a', 'b', 'a', 'b', 'a', 'b']);
});

test('late items are dead-lettered under the deadLetter policy', async () => {
  const clock = fakeClock();
  await clock.sleep(1000);
  const session = await lookupSession({
    latePolicy: 'deadLetter',
    profile: [{ batchSize: 1, latencyMs: 10 }],
  });
  const backend = createBackend([session], { clock, preprocess });
  const late = backend.submit('lookup', { id: 'late', deadlineMs: 500, scores: [[0]] });
  const onTime = backend.submit('lookup', { id: 'ok', deadlineMs: 5000, scores: [[1]] });
  const results = await drain(backend, [late, onTime]);
  assert.equal(reasonOf(results[0]!), 'DeadlineExceeded');
  assert.equal(results[1]!.status, 'fulfilled');
});

test('frames are preprocessed and outputs decoded with labels (softmax + argmax)', async () => {
  const session: SessionConfig = {
    stage: 'scene',
    model: await loadModel({ path: join(dir, 'scene.onnx'), intraOpThreads: 1 }),
    input: { source: 'frames', layout: 'NFCHW', frames: 2, width: 4, height: 4 },
    output: { labels: SCENE_LABELS },
    plannedBatch: 4,
    queueCapacity: 8,
  };
  const backend = createBackend([session], { clock: fakeClock(), preprocess });
  const video = (rgb: number[]) => ({
    data: Uint8Array.from({ length: 3 * 4 * 4 * 3 }, (_, i) => rgb[i % 3]!),
    dims: [3, 4, 4, 3] as const,
  });
  const work = [
    [20, 20, 25],
    [220, 225, 220],
    [230, 20, 20],
  ].map((rgb, i) => backend.submit('scene', { id: `v${i}`, deadlineMs: 100, frames: video(rgb) }));
  const results = await drain(backend, work);
  const outputs = results.map((r) =>
    r.status === 'fulfilled' ? (r.value as { label: string; scores: number[] }) : undefined,
  );
  assert.deepEqual(
    outputs.map((o) => o?.label),
    ['dark', 'bright', 'colorful'],
  );
  for (const o of outputs) assert.ok(Math.abs(o!.scores.reduce((x, y) => x + y, 0) - 1) < 1e-6);
});

test('device emulation pads each batch to the profiled ℓ(b); without it batches run at machine speed', async () => {
  const profile = [
    { batchSize: 1, latencyMs: 250 },
    { batchSize: 4, latencyMs: 400 },
  ];
  const finishes = async (emulateDeviceLatency: boolean) => {
    const clock = fakeClock();
    const session = await lookupSession({ profile, emulateDeviceLatency });
    const backend = createBackend([session], { clock, preprocess });
    const work = [0, 1, 2, 0].map((x, i) =>
      backend.submit('lookup', { id: `${i}`, deadlineMs: 10_000, scores: [[x]] }).then(() => clock.nowMs()),
    );
    const loop = backend.start();
    const done = await Promise.all(work);
    backend.stop();
    await loop;
    return { done };
  };
  const emulated = await finishes(true);
  assert.ok(
    emulated.done.every((t) => t >= 250),
    `every batch lasts at least ℓ(1) = 250 ms: ${emulated.done}`,
  );
  const plain = await finishes(false);
  assert.ok(
    plain.done.every((t) => t < 250),
    `machine speed on a fake clock: ${plain.done}`,
  );
});

test('the batcher learns the measured batch latency: batches shrink until they meet the deadline', async () => {
  // The profile promises ℓ(b) = 1 + b ms; the device really takes 10 + 10·b ms. Every request has
  // 120 ms of slack, so the planned batch 16 (170 ms) misses; b ≤ 11 meets it. Requests that can
  // no longer make it are dropped (deadLetter), so each decision sees fresh slack.
  let now = 0;
  const clock: Clock = {
    nowMs: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
  const sizes: number[] = [];
  let backend: Backend | undefined;
  let submitted = 0;
  const work: Promise<unknown>[] = [];
  const topUp = () => {
    while (backend && backend.queueDepth('learn') < 24 && submitted < 400) {
      const id = `v${submitted++}`;
      work.push(
        backend.submit('learn', { id, deadlineMs: now + 120, scores: [[0]] }).then(
          () => now,
          () => -1,
        ),
      );
    }
  };
  const model = {
    path: 'fake.onnx',
    provider: 'cpu' as const,
    inputs: [{ name: 'x', shape: ['N', 1], type: 'float32' }],
    outputs: [{ name: 'y', shape: ['N', 1], type: 'float32' }],
    async run(feeds: Record<string, { data: Float32Array; dims: number[] }>) {
      const b = feeds.x!.dims[0]!;
      sizes.push(b);
      now += 10 + 10 * b;
      topUp();
      return { y: { data: new Float32Array(b), dims: [b, 1] } };
    },
    async close() {},
  };
  backend = createBackend(
    [
      {
        stage: 'learn',
        model,
        input: { source: 'stages', total: 1 },
        plannedBatch: 16,
        queueCapacity: 64,
        latePolicy: 'deadLetter',
        profile: [
          { batchSize: 1, latencyMs: 2 },
          { batchSize: 16, latencyMs: 17 },
        ],
      },
    ],
    { clock, preprocess },
  );
  topUp();
  const loop = backend.start();
  while (submitted < 400 || backend.queueDepth('learn') > 0) await new Promise((r) => setImmediate(r));
  backend.stop();
  await loop;
  await Promise.allSettled(work);
  assert.equal(sizes[0], 16, 'the first batch trusts the profile');
  const late = sizes.slice(-10);
  assert.ok(
    late.every((b) => b <= 11 && b >= 8),
    `after learning, batches fit the 120 ms slack (10 + 10·b ≤ 120): ${late.join(',')}`,
  );
});

test('frame items go through the shared slab: slots are reused, no item sees another`s pixels', async () => {
  const session: SessionConfig = {
    stage: 'scene',
    model: await loadModel({ path: join(dir, 'scene.onnx'), intraOpThreads: 1 }),
    input: { source: 'frames', layout: 'NFCHW', frames: 2, width: 4, height: 4 },
    output: { labels: SCENE_LABELS },
    plannedBatch: 2,
    queueCapacity: 2,
  };
  const backend = createBackend([session], { clock: fakeClock(), preprocess });
  const colours: [number[], string][] = [
    [[20, 20, 25], 'dark'],
    [[220, 225, 220], 'bright'],
    [[230, 20, 20], 'colorful'],
  ];
  const video = (rgb: number[]) => ({
    data: Uint8Array.from({ length: 3 * 4 * 4 * 3 }, (_, i) => rgb[i % 3]!),
    dims: [3, 4, 4, 3] as const,
  });
  const loop = backend.start();
  const labels: Promise<string>[] = [];
  // 30 items through a slab of 8 slots, two at a time in the queue.
  for (let i = 0; i < 30; i++) {
    await backend.whenAccepting('scene');
    const [rgb] = colours[i % 3]!;
    labels.push(
      backend
        .submit('scene', { id: `v${i}`, deadlineMs: 1e9, frames: video(rgb) })
        .then((o) => (o as { label: string }).label),
    );
  }
  const got = await Promise.all(labels);
  backend.stop();
  await loop;
  assert.deepEqual(
    got,
    got.map((_, i) => colours[i % 3]![1]),
  );
});

test('a free device runs what is queued at once, not after a duty cycle of waiting for a full batch', async () => {
  const clock = fakeClock();
  const { maxQueueDelayMs: _unset, ...config } = await lookupSession({ plannedBatch: 8 });
  const backend = createBackend([config], { clock, preprocess, dutyCycleMs: 500 });
  const done = backend
    .submit('lookup', { id: 'alone', deadlineMs: 10_000, scores: [[1]] })
    .then(() => clock.nowMs());
  const [ran] = await drain(backend, [done]);
  // Waiting for the batch to fill (the head's deadline allows it) would finish at 500 ms or later.
  assert.deepEqual(ran, { status: 'fulfilled', value: 0 });
});
