// A shared backend group: one device backend hosts the sessions of two pipelines (the real
// onnxruntime, the sample fusion model), each pipeline's stage worker feeds its own session, and
// the metrics say which pipeline each item belonged to.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { RuntimeConfig } from '../../contract/runtime-config.ts';
import { writeSampleModels } from '../../scripts/gen-models.ts';
import { systemClock } from '../clock.ts';
import { diamondConfig } from '../executor/fixtures.test-support.ts';
import type { FrameStore } from '../framestore/framestore.ts';
import { createRuntimeMetrics } from '../metrics.ts';
import type { PreprocessPool } from '../preprocess/worker-pool.ts';
import { createStageWorkers } from './stage-workers.ts';

const dir = mkdtempSync(join(tmpdir(), 'vpo-stage-workers-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeSampleModels(dir);

/** Pipeline `name` with one join stage on the fusion model, hosted by group `g`. */
function fusionOnly(name: string, labels: string[]): RuntimeConfig {
  const base = diamondConfig();
  const fusion = base.stages.find((s) => s.name === 'fusion')!;
  return {
    ...base,
    pipeline: { namespace: 'ns', name },
    stages: [{ ...fusion, model: { uri: `file://${join(dir, 'fusion.onnx')}` }, output: { labels } }],
    backends: [
      {
        name: 'g',
        gpuProduct: 'cpu',
        replicas: 1,
        dutyCycleMicros: 50_000,
        occupancy: 0.5,
        planGeneration: 1,
        sessions: [{ stage: 'fusion', session: 'fusion-session', batchSize: 4, rateVps: 1 }],
      },
    ],
  };
}

const unused = {} as FrameStore & PreprocessPool;

test('one backend hosts two pipelines: each worker feeds its own session, metrics carry the pipeline', async () => {
  const metrics = createRuntimeMetrics();
  const labelsA = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5'];
  const labelsB = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5'];
  const workers = await createStageWorkers({
    config: fusionOnly('alpha', labelsA),
    otherConfigs: [fusionOnly('beta', labelsB)],
    frameStore: unused,
    preprocess: unused,
    clock: systemClock,
    metrics,
    maxBackends: 1,
  });
  try {
    assert.equal(workers.backends.length, 1, 'one device backend for the shared group');
    const message = (videoId: string) => ({
      videoId,
      source: 'file:///v.mp4',
      ingestedAtMs: systemClock.nowMs(),
      outputs: { scene: { scores: [0.1, 0.2, 0.7] }, motion: { scores: [0.9, 0.1] } },
    });
    const deadline = systemClock.nowMs() + 10_000;
    const [a, b] = (await Promise.all([
      workers.workersOf('alpha').fusion!.process(message('va'), deadline),
      workers.workersOf('beta').fusion!.process(message('vb'), deadline),
    ])) as { label: string }[];
    assert.ok(labelsA.includes(a!.label), `alpha's own labels: ${a!.label}`);
    assert.ok(labelsB.includes(b!.label), `beta's own labels: ${b!.label}`);
    assert.equal(workers.workers, workers.workersOf('alpha'));
    const text = await metrics.registry.metrics();
    assert.match(text, /vpo_processed_total\{pipeline="alpha",stage="fusion"\} 1/);
    assert.match(text, /vpo_processed_total\{pipeline="beta",stage="fusion"\} 1/);
  } finally {
    await workers.close();
  }
});
