import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keptStructure, stableJson, structureDigest } from './live-settings.ts';
import type { RuntimeFile } from './runtime-file.ts';

function file(): RuntimeFile {
  const stage = (name: string, model: string) => ({
    name,
    session: name,
    inputs: ['source'],
    downstream: [],
    topic: `t.${name}`,
    fanOut: 1,
    latencyBudgetMs: 100,
    deadlineOffsetMs: 1200,
    batchSize: 8,
    replicas: 1,
    profile: [{ batchSize: 1, latencyMicros: 1000 }],
    model: { uri: model },
    executionProvider: 'cpu' as const,
    input: { source: 'frames' as const, layout: 'NCHW' as const, frames: 1, width: 8, height: 8 },
    output: {},
  });
  return {
    version: 1,
    runtime: {
      version: 1,
      pipeline: { namespace: 'ns', name: 'p' },
      stages: [stage('scene', 'file:///scene.onnx'), stage('motion', 'file:///motion.onnx')],
      backends: [
        {
          name: 'b0',
          gpuProduct: 'A100',
          replicas: 2,
          dutyCycleMicros: 5000,
          occupancy: 0.8,
          planGeneration: 3,
          sessions: [{ stage: 'scene', session: 'scene', batchSize: 8, rateVps: 10 }],
        },
      ],
      latency: { sloMs: 1000, ingestAllowanceMs: 100, hopAllowanceMs: 10, latePolicy: 'process' },
      limits: { queueCapacity: 32, maxPendingJoins: 64 },
    },
    kafka: { brokers: ['k:9092'], createTopics: false, settings: { partitions: 8 } },
    frameStore: { root: '/frames' },
  } as unknown as RuntimeFile;
}

test('batch sizes, duty cycles, rates, budgets, deadlines and the generation do not change the structure', () => {
  const before = file();
  const after = file();
  after.runtime.backends[0]!.dutyCycleMicros = 9000;
  after.runtime.backends[0]!.replicas = 5;
  after.runtime.backends[0]!.planGeneration = 4;
  after.runtime.backends[0]!.sessions[0]!.batchSize = 16;
  after.runtime.backends[0]!.sessions[0]!.rateVps = 20;
  after.runtime.stages[0]!.deadlineOffsetMs = 900;
  after.runtime.stages[0]!.batchSize = 16;
  after.runtime.limits.queueCapacity = 64;
  (after.kafka.settings as { partitions: number }).partitions = 32;
  assert.equal(structureDigest(before, 'b0'), structureDigest(after, 'b0'));
  assert.equal(structureDigest(before, undefined), structureDigest(after, undefined));
});

test('a hosted model, a hosted session or Kafka changes the structure; another group`s model does not', () => {
  const base = structureDigest(file(), 'b0');
  const model = file();
  model.runtime.stages[0]!.model = { uri: 'file:///scene-v2.onnx' };
  assert.notEqual(structureDigest(model, 'b0'), base);
  const sessions = file();
  sessions.runtime.backends[0]!.sessions.push({
    stage: 'motion',
    session: 'motion',
    batchSize: 1,
    rateVps: 1,
  });
  assert.notEqual(structureDigest(sessions, 'b0'), base);
  const brokers = file();
  brokers.kafka.brokers = ['other:9092'];
  assert.notEqual(structureDigest(brokers, 'b0'), base);
  const unhosted = file();
  unhosted.runtime.stages[1]!.model = { uri: 'file:///motion-v2.onnx' };
  assert.equal(structureDigest(unhosted, 'b0'), base);
  // ...but the ingest reads every stage's wiring and the frames' shape.
  const gone = file();
  gone.runtime.backends = [];
  assert.notEqual(structureDigest(gone, 'b0'), base);
});

test('stableJson ignores key order', () => {
  assert.equal(stableJson({ b: 1, a: [{ d: 2, c: 3 }] }), stableJson({ a: [{ c: 3, d: 2 }], b: 1 }));
});

test("a shared group's digest: one entry per pipeline; dropping one keeps the pods, adding or changing one rolls them", () => {
  const two = file();
  const other = structuredClone(two.runtime);
  other.pipeline = { ...other.pipeline, name: 'q' };
  const shared = { ...two, otherPipelines: [{ runtime: other, kafkaSettings: two.kafka.settings }] };
  const both = structureDigest(shared, 'b0');
  const alone = structureDigest(two, 'b0');
  assert.match(both, /^\*=[0-9a-f]{16},p=[0-9a-f]{16},q=[0-9a-f]{16}$/);
  // q leaves: the pods keep their digest (no roll); q comes back unchanged: still the same.
  assert.equal(keptStructure(both, alone), both);
  assert.equal(keptStructure(both, both), both);
  // A pipeline the pods were not built for, or a changed one, rolls them.
  assert.equal(keptStructure(alone, both), both);
  const changed = structuredClone(shared);
  changed.otherPipelines[0]!.runtime.stages[0]!.model = { uri: 'file:///other.onnx' };
  const moved = structureDigest(changed, 'b0');
  assert.notEqual(moved, both);
  assert.equal(keptStructure(both, moved), moved);
  assert.equal(keptStructure(undefined, both), both);
});

test('the list of pipelines a group serves is not structure: one leaving keeps the others’ entries', () => {
  // As the operator renders a shared group: each hosted pipeline's entry names all of them.
  const withGroup = (name: string, pipelines: string[] | undefined) => {
    const runtime = structuredClone(file().runtime);
    runtime.pipeline = { ...runtime.pipeline, name };
    runtime.backends = runtime.backends.map((b) => ({ ...b, ...(pipelines ? { pipelines } : {}) }));
    return runtime;
  };
  const base = file();
  const three = {
    ...base,
    runtime: withGroup('p', ['p', 'q', 'r']),
    otherPipelines: ['q', 'r'].map((n) => ({
      runtime: withGroup(n, ['p', 'q', 'r']),
      kafkaSettings: base.kafka.settings,
    })),
  };
  const two = {
    ...base,
    runtime: withGroup('q', ['q', 'r']),
    otherPipelines: [{ runtime: withGroup('r', ['q', 'r']), kafkaSettings: base.kafka.settings }],
  };
  const before = structureDigest(three, 'b0');
  assert.equal(keptStructure(before, structureDigest(two, 'b0')), before, 'p left: q and r unchanged');
  const alone = { ...base, runtime: withGroup('r', undefined) };
  assert.equal(keptStructure(before, structureDigest(alone, 'b0')), before, 'only r left');
});
