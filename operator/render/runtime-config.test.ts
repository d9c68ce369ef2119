import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';
import { entryStages, frameStages, sinkStages, topicOf } from '../../contract/runtime-config.ts';
import { textPipeline, textSessions } from '../api/text-pipeline.test-support.ts';
import type { Plan } from '../planner/types.ts';
import { RuntimeConfigError, runtimeConfigFromPlan } from './runtime-config.ts';

function session(name: string, source: 'frames' | 'stages' = 'frames'): ModelSession {
  return {
    apiVersion: 'serving.vpo.dev/v1alpha1',
    kind: 'ModelSession',
    metadata: { name },
    spec: {
      model: { uri: `file:///models/${name}.onnx` },
      input: { source, name: 'frames', layout: 'NFCHW', mean: ['0.5', '500m'] },
      output: { name: 'logits', labels: ['a', 'b'] },
      batching: { maxBatchSize: 32, maxQueueDelayMs: 50 },
      executionProvider: 'cuda',
      profiles: [{ gpuProduct: 'cpu', points: [{ batchSize: 1, latencyMicros: 900 }] }],
    },
  };
}

// Listed out of order on purpose: the join comes first.
const pipeline: VideoPipeline = {
  apiVersion: 'serving.vpo.dev/v1alpha1',
  kind: 'VideoPipeline',
  metadata: { name: 'vc', namespace: 'media' },
  spec: {
    source: { kafkaTopic: 'videos.in' },
    sampling: { frames: 8, width: 64, height: 64 },
    load: { videosPerSecond: '2' },
    latencySLO: { p99Ms: 10000, ingestAllowanceMs: 1000, hopAllowanceMs: 50 },
    stages: [
      { name: 'fusion', sessionRef: { name: 'fu' }, inputs: ['scene', 'motion'], joinTimeoutMs: 5000 },
      { name: 'scene', sessionRef: { name: 'sc' } },
      { name: 'motion', sessionRef: { name: 'mo' }, fanOut: '1' },
    ],
  },
};

const plan: Plan = {
  gpus: 1,
  gpuShare: 1,
  gpusAlone: 1,
  sharedWith: [],
  gpuProduct: 'cpu',
  lowerBoundGpus: 0.5,
  ingest: { replicas: 1 },
  explanation: '',
  stages: [
    {
      name: 'scene',
      session: 'sc',
      latencyBudgetMs: 3000,
      rateVps: 2,
      capacityVps: 4,
      gpuShare: 0.2,
      replicas: 1,
      batchSize: 8,
    },
    {
      name: 'motion',
      session: 'mo',
      latencyBudgetMs: 4000,
      rateVps: 2,
      capacityVps: 4,
      gpuShare: 0.2,
      replicas: 1,
      batchSize: 4,
    },
    {
      name: 'fusion',
      session: 'fu',
      latencyBudgetMs: 500,
      rateVps: 2,
      capacityVps: 9,
      gpuShare: 0.1,
      replicas: 2,
      batchSize: 16,
    },
  ],
  backends: [
    {
      name: 'vc-b0',
      gpuProduct: 'cpu',
      replicas: 1,
      dutyCycleMicros: 100000,
      occupancy: 0.5,
      memoryMiB: 0,
      saturated: false,
      pipelines: ['vc'],
      sessions: [{ pipeline: 'vc', stage: 'scene', session: 'sc', batchSize: 8, rateVps: 2 }],
    },
  ],
};

const sessions = [session('sc'), session('mo'), session('fu', 'stages')];

test('stages come in topological order with downstream links, join timeout and deadlines', () => {
  const config = runtimeConfigFromPlan(pipeline, sessions, plan);
  assert.deepEqual(
    config.stages.map((s) => [s.name, s.inputs, s.downstream]),
    [
      ['scene', ['source'], ['fusion']],
      ['motion', ['source'], ['fusion']],
      ['fusion', ['scene', 'motion'], []],
    ],
  );
  const byName = Object.fromEntries(config.stages.map((s) => [s.name, s]));
  // ingest 1000 + hop 50 + budget; the join waits for the slower branch (motion: 5050).
  assert.equal(byName.scene?.deadlineOffsetMs, 4050);
  assert.equal(byName.motion?.deadlineOffsetMs, 5050);
  assert.equal(byName.fusion?.deadlineOffsetMs, 5600);
  assert.equal(byName.fusion?.joinTimeoutMs, 5000);
  assert.equal(byName.scene?.joinTimeoutMs, undefined);
  assert.deepEqual(byName.scene?.input.mean, [0.5, 0.5]);
  assert.equal(byName.fusion?.input.source, 'stages');
  assert.equal(byName.motion?.batchSize, 4);
  assert.deepEqual(byName.motion?.profile, [{ batchSize: 1, latencyMicros: 900 }]);
  assert.equal(config.topics.source, 'videos.in');
  assert.equal(config.topics.output, 'vpo.media.vc.results');
  assert.equal(byName.fusion?.topic, 'vpo.media.vc.stage.fusion');
  assert.deepEqual(
    frameStages(config).map((s) => s.name),
    ['scene', 'motion'],
  );
  assert.deepEqual(
    entryStages(config).map((s) => s.name),
    ['scene', 'motion'],
  );
  assert.deepEqual(
    sinkStages(config).map((s) => s.name),
    ['fusion'],
  );
  assert.equal(config.deadLetter.maxRetries, 3);
  assert.equal(config.latency.latePolicy, 'process');
});

test('is deterministic and JSON round-trips (renderable into a ConfigMap)', () => {
  const a = runtimeConfigFromPlan(pipeline, sessions, plan, { executionProvider: 'cpu' });
  const b = runtimeConfigFromPlan(pipeline, sessions, plan, { executionProvider: 'cpu' });
  assert.deepEqual(a, b);
  assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
  assert.ok(a.stages.every((s) => s.executionProvider === 'cpu'));
});

test("a cuda session's device id reaches its stage; an override to cpu drops it", () => {
  const withDevice = sessions.map((s) =>
    s.metadata.name === 'sc' ? { ...s, spec: { ...s.spec, cuda: { deviceId: 2 } } } : s,
  );
  const config = runtimeConfigFromPlan(pipeline, withDevice, plan);
  assert.equal(config.stages.find((s) => s.name === 'scene')?.deviceId, 2);
  assert.equal(config.stages.find((s) => s.name === 'motion')?.deviceId, undefined);
  const cpu = runtimeConfigFromPlan(pipeline, withDevice, plan, { executionProvider: 'cpu' });
  assert.equal(cpu.stages.find((s) => s.name === 'scene')?.deviceId, undefined);
});

test('queue limits scale with the largest batch unless given', () => {
  assert.equal(runtimeConfigFromPlan(pipeline, sessions, plan).limits.queueCapacity, 64);
  const given = runtimeConfigFromPlan(pipeline, sessions, plan, {
    limits: { queueCapacity: 5, maxPendingJoins: 7 },
  });
  assert.deepEqual(given.limits, { queueCapacity: 5, maxPendingJoins: 7 });
});

test('a missing session, an unplanned stage, a cycle or a bad quantity is a clear error', () => {
  assert.throws(
    () => runtimeConfigFromPlan(pipeline, sessions.slice(0, 2), plan),
    /ModelSession 'fu' not found/,
  );
  assert.throws(
    () => runtimeConfigFromPlan(pipeline, sessions, { ...plan, stages: plan.stages.slice(0, 2) }),
    /stage 'fusion': not in the plan/,
  );
  const cyclic: VideoPipeline = {
    ...pipeline,
    spec: {
      ...pipeline.spec,
      stages: [
        { name: 'scene', sessionRef: { name: 'sc' }, inputs: ['motion'] },
        { name: 'motion', sessionRef: { name: 'mo' }, inputs: ['scene'] },
      ],
    },
  };
  assert.throws(() => runtimeConfigFromPlan(cyclic, sessions, plan), RuntimeConfigError);
  const badFanOut: VideoPipeline = {
    ...pipeline,
    spec: { ...pipeline.spec, stages: [{ name: 'scene', sessionRef: { name: 'sc' }, fanOut: 'lots' }] },
  };
  assert.throws(() => runtimeConfigFromPlan(badFanOut, sessions, plan), /fanOut: 'lots' is not a decimal/);
});

test('a fan-out pipeline: decoders with their defaults, per-item resize, the gather as a downstream', () => {
  const textPlan: Plan = {
    ...plan,
    stages: [
      { ...plan.stages[0]!, name: 'detect', session: 'text-detector' },
      { ...plan.stages[0]!, name: 'read', session: 'text-recognizer', rateVps: 12 },
    ],
  };
  const config = runtimeConfigFromPlan(textPipeline(), textSessions(), textPlan);
  assert.deepEqual(
    config.stages.map((s) => [s.name, s.inputs, s.downstream, s.fanOut]),
    [
      ['detect', ['source'], ['read'], 6],
      ['read', ['detect'], ['collect'], 1],
    ],
  );
  const [detect, read] = config.stages;
  assert.deepEqual(detect?.output, {
    decoder: {
      kind: 'dbText',
      threshold: 0.3,
      boxThreshold: 0.6,
      unclipRatio: 1.6,
      minSizePx: 3,
      maxBoxes: 50,
    },
  });
  assert.deepEqual(read?.output, {
    decoder: { kind: 'ctcText', dictionary: { uri: 'file:///models/keys.txt' }, spaceCharacter: true },
  });
  assert.equal(read?.input.resize, 'keepAspect');
  assert.equal(detect?.input.resize, undefined);
  // input.source absent: the recogniser reads its item's region of the frames
  assert.equal(read?.input.source, 'frames');
  assert.deepEqual(config.gathers, [
    {
      name: 'collect',
      input: 'read',
      topic: 'vpo.default.video-text.stage.collect',
      timeoutMs: 30000,
      merge: 'textLines',
      minScore: 0.5,
    },
  ]);
  assert.equal(topicOf(config, 'collect'), 'vpo.default.video-text.stage.collect');
  assert.deepEqual(sinkStages(config), []);
  // no gather: no gathers field, so configs of pipelines without fan-out are unchanged
  assert.equal('gathers' in runtimeConfigFromPlan(pipeline, sessions, plan), false);
});

test('the sampling mode, decode bounds and decoder reach the runtime, with defaults', () => {
  const sessions = [session('sc'), session('mo'), session('fu', 'stages')];
  const plain = runtimeConfigFromPlan(pipeline, sessions, plan);
  assert.deepEqual(plain.sampling, { frames: 8, width: 64, height: 64, mode: 'uniform' });
  assert.equal(plain.source.maxPixelsPerFrame, 3840 * 2160);
  assert.equal(plain.source.maxDecodedBytesPerVideo, 16 * 2 ** 30);
  assert.equal(plain.source.decoder, 'cpu');
  const keyframes = structuredClone(pipeline);
  keyframes.spec.sampling.mode = 'keyframes';
  keyframes.spec.source = { ...keyframes.spec.source, maxPixelsPerFrame: 1920 * 1080, decoder: 'gpu' };
  keyframes.spec.latencySLO = { p99Ms: 10000 };
  const config = runtimeConfigFromPlan(keyframes, sessions, plan);
  assert.equal(config.sampling.mode, 'keyframes');
  assert.equal(config.source.maxPixelsPerFrame, 1920 * 1080);
  assert.equal(config.source.decoder, 'gpu');
  // No ingestProfile and no allowance: deadlines start after 2 × the keyframe default (250 ms).
  assert.equal(config.latency.ingestAllowanceMs, 500);
});

test('input.source absent is inferred per stage: one model reading frames in one stage, scores in another', () => {
  const bare = session('sc');
  delete bare.spec.input.source;
  const twice: VideoPipeline = structuredClone(pipeline);
  twice.spec.stages[0]!.sessionRef!.name = 'sc'; // the join runs the scene model on scores
  const config = runtimeConfigFromPlan(twice, [bare, session('mo')], plan);
  const input = Object.fromEntries(config.stages.map((s) => [s.name, s.input.source]));
  assert.deepEqual(input, { scene: 'frames', motion: 'frames', fusion: 'stages' });
  const explicit = session('sc');
  assert.throws(
    () => runtimeConfigFromPlan(twice, [explicit, session('mo')], plan),
    /stage fusion: ModelSession sc reads frames \(input.source: frames\), but the stage's inputs are other stages/,
  );
});
