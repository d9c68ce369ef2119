import assert from 'node:assert/strict';
import { test } from 'node:test';
import { samplePipeline } from '../render/fixtures.test-support.ts';
import { type PipelineObservation, pipelineStatus } from './pipeline-status.ts';

const observation = (over: Partial<PipelineObservation> = {}): PipelineObservation => {
  const { plan } = samplePipeline();
  return {
    planned: { ok: true, plan },
    topics: { ok: true },
    backends: plan.backends.map((b) => ({ name: b.name, replicas: b.replicas, available: b.replicas })),
    ingest: { name: 'video-classifier-ingest', replicas: 1, available: 1 },
    load: undefined,
    targetVps: 5.79,
    loadPolicy: { epochMs: 10_000, lowFactor: 0.8 },
    ...over,
  };
};
const ready = (obs: PipelineObservation) =>
  pipelineStatus(samplePipeline().pipeline, obs, 't1').conditions?.find((c) => c.type === 'Ready');

test('Ready needs the ingest Deployment available, not only the backends', () => {
  assert.equal(ready(observation())?.status, 'True');
  const down = ready(observation({ ingest: { name: 'video-classifier-ingest', replicas: 2, available: 1 } }));
  assert.equal(down?.status, 'False');
  assert.equal(down?.reason, 'IngestUnavailable');
  assert.match(down?.message ?? '', /video-classifier-ingest 1\/2/);
});

test('a pipeline refused for its frame store is not Ready and says why in Planned', () => {
  const status = pipelineStatus(
    samplePipeline().pipeline,
    observation({
      planned: { ok: false, reason: 'FrameStoreNotShared', message: 'no shared frame store' },
      topics: undefined,
      backends: [],
      ingest: undefined,
    }),
    't1',
  );
  const planned = status.conditions?.find((c) => c.type === 'Planned');
  assert.equal(planned?.status, 'False');
  assert.equal(planned?.reason, 'FrameStoreNotShared');
  assert.equal(status.conditions?.find((c) => c.type === 'Ready')?.reason, 'NotPlanned');
});
