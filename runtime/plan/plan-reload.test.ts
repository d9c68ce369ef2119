import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import { reloadDecision } from './plan-reload.ts';

function file(
  over: { batch?: number; duty?: number; model?: string; generation?: number; backends?: string[] } = {},
) {
  return {
    version: 1,
    runtime: {
      pipeline: { name: 'p', namespace: 'ns' },
      stages: [
        {
          name: 'scene',
          session: 'scene',
          inputs: ['source'],
          downstream: [],
          topic: 't.scene',
          batchSize: over.batch ?? 8,
          deadlineOffsetMs: 1000,
          model: { uri: over.model ?? 'file:///scene.onnx' },
          input: { source: 'frames' },
          profile: [],
        },
      ],
      backends: (over.backends ?? ['b0']).map((name) => ({
        name,
        replicas: 1,
        dutyCycleMicros: over.duty ?? 1000,
        occupancy: 0.5,
        planGeneration: over.generation ?? 1,
        sessions: [{ stage: 'scene', session: 'scene', batchSize: over.batch ?? 8, rateVps: 2 }],
      })),
      limits: { queueCapacity: 32, maxPendingJoins: 64 },
    },
    kafka: { brokers: ['k:9092'], createTopics: false, settings: { partitions: 4 } },
    frameStore: { root: '/f' },
  } as unknown as RuntimeFile;
}

test('new batch sizes, duty cycles and generation are taken live', () => {
  const next = file({ batch: 16, duty: 2000, generation: 2 });
  assert.deepEqual(reloadDecision(file(), next, 'b0'), { action: 'apply', file: next });
});

test('a new model for a hosted stage, or the group leaving the plan, needs a new pod', () => {
  const model = reloadDecision(file(), file({ model: 'file:///scene-v2.onnx', generation: 2 }), 'b0');
  assert.equal(model.action, 'restart');
  assert.match(model.action === 'restart' ? model.reason : '', /pipelines\.p\.stages/);
  const gone = reloadDecision(file(), file({ backends: ['b1'] }), 'b0');
  assert.deepEqual(gone, { action: 'restart', reason: 'backend group b0 is no longer in the plan' });
});

test('a pipeline leaving a shared file is let go live; one the pod was not built for needs a new pod', () => {
  const one = file();
  const other = structuredClone(one.runtime);
  other.pipeline = { ...other.pipeline, name: 'q' };
  const shared = { ...one, otherPipelines: [{ runtime: other, kafkaSettings: one.kafka.settings }] };
  // Built for p and q: q leaves (apply), and comes back (apply again: the pod still has it).
  assert.equal(reloadDecision(shared, one, 'b0').action, 'apply');
  assert.equal(reloadDecision(one, shared, 'b0', shared).action, 'apply');
  // Built for p alone: q arriving is a structural change.
  const added = reloadDecision(one, shared, 'b0');
  assert.equal(added.action, 'restart');
  assert.match(added.action === 'restart' ? added.reason : '', /pipelines\.q/);
});
