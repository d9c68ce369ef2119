import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelSession } from '../../contract/crd-types.generated.ts';
import { samplePipeline } from '../render/fixtures.test-support.ts';
import {
  currentProfiles,
  mergeProfile,
  productsToProfile,
  profiledCondition,
  profileFromResult,
  type StatusProfile,
  unprofilable,
} from './profile-status.ts';

const unprofiled = (): ModelSession => {
  const s = samplePipeline().sessions[0]!;
  return { ...s, metadata: { ...s.metadata, generation: 2 }, spec: { ...s.spec, profiles: [] } };
};
const measured = (s: ModelSession, gpuProduct: string): StatusProfile => {
  const r = profileFromResult('{"points":[{"batchSize":1,"latencyMicros":900}]}', s, gpuProduct, 't1');
  assert.ok(r.ok);
  return r.profile;
};
const idle = { running: [], failed: [] };

test('products to profile: the cluster has them and neither spec nor a current measurement does', () => {
  const sample = samplePipeline().sessions[0]!; // spec profiles: A100, T4, cpu
  assert.deepEqual(productsToProfile(sample, [], ['NVIDIA-T4', 'NVIDIA-H100']), ['NVIDIA-H100']);
  const s = unprofiled();
  assert.deepEqual(productsToProfile(s, [], ['NVIDIA-T4', 'NVIDIA-A100', 'NVIDIA-T4']), [
    'NVIDIA-A100',
    'NVIDIA-T4',
  ]);
  assert.deepEqual(productsToProfile(s, [measured(s, 'NVIDIA-T4')], ['NVIDIA-T4']), []);
});

test('a measurement goes stale when the model uri, sha256 or provider changes', () => {
  const s = unprofiled();
  const p = measured(s, 'NVIDIA-T4');
  assert.deepEqual(p.model, { uri: 'file:///models/scene.onnx' });
  assert.equal(p.executionProvider, 'cuda');
  const withStatus = (x: ModelSession) => ({ ...x, status: { profiles: [p] } });
  assert.deepEqual(currentProfiles(withStatus(s)), [p]);
  const moved = { ...s, spec: { ...s.spec, model: { uri: 'file:///models/scene-v2.onnx' } } };
  assert.deepEqual(currentProfiles(withStatus(moved)), []);
  const pinned = { ...s, spec: { ...s.spec, model: { ...s.spec.model, sha256: 'c'.repeat(64) } } };
  assert.deepEqual(currentProfiles(withStatus(pinned)), []);
  const cpu = { ...s, spec: { ...s.spec, executionProvider: 'cpu' as const } };
  assert.deepEqual(currentProfiles(withStatus(cpu)), []);
  const legacy = { ...p, model: undefined };
  assert.deepEqual(currentProfiles({ ...s, status: { profiles: [legacy] } }), []);
});

test('results: a valid entry is recorded against the pinned product; anything else is a message', () => {
  const s = unprofiled();
  const ok = profileFromResult(
    '{"gpuProduct":"cpu","detectedProduct":"cpu","points":[{"batchSize":1,"latencyMicros":5,"memoryMiB":0},{"batchSize":4,"latencyMicros":9}]}',
    s,
    'NVIDIA-T4',
    '2026-01-01T00:00:00Z',
  );
  assert.deepEqual(ok, {
    ok: true,
    profile: {
      gpuProduct: 'NVIDIA-T4',
      measuredAt: '2026-01-01T00:00:00Z',
      model: { uri: 'file:///models/scene.onnx' },
      executionProvider: 'cuda',
      points: [
        { batchSize: 1, latencyMicros: 5, memoryMiB: 0 },
        { batchSize: 4, latencyMicros: 9 },
      ],
    },
  });
  for (const bad of [
    undefined,
    '',
    'vpo profile: sha256 mismatch',
    '{"points":[]}',
    '{"points":[{"batchSize":0,"latencyMicros":5}]}',
    '{"points":[{"batchSize":1,"latencyMicros":1.5}]}',
    '{"points":[{"batchSize":1,"latencyMicros":5,"memoryMiB":-1}]}',
    'null',
  ]) {
    const r = profileFromResult(bad, s, 'NVIDIA-T4', 't');
    assert.equal(r.ok, false, String(bad));
  }
});

test('merge replaces the same product and keeps the list sorted', () => {
  const s = unprofiled();
  const t4 = measured(s, 'NVIDIA-T4');
  const a100 = measured(s, 'NVIDIA-A100');
  const merged = mergeProfile(mergeProfile([], t4), a100);
  assert.deepEqual(
    merged.map((p) => p.gpuProduct),
    ['NVIDIA-A100', 'NVIDIA-T4'],
  );
  const again = mergeProfile(merged, { ...t4, measuredAt: 't9' });
  assert.equal(again.length, 2);
  assert.equal(again.find((p) => p.gpuProduct === 'NVIDIA-T4')?.measuredAt, 't9');
});

test('Profiled: True with a matching profile, else ProfilingFailed, Profiling, NoProfile', () => {
  const s = unprofiled();
  const failed = { running: ['NVIDIA-A100'], failed: [{ gpuProduct: 'NVIDIA-T4', message: 'boom' }] };
  const t = profiledCondition(s, [measured(s, 'NVIDIA-T4')], ['NVIDIA-T4', 'NVIDIA-A100'], {
    running: ['NVIDIA-A100'],
    failed: [],
  });
  assert.deepEqual([t.status, t.reason, t.observedGeneration], ['True', 'Profiled', 2]);
  assert.match(t.message, /profiles for NVIDIA-T4; profiling on NVIDIA-A100/);
  const f = profiledCondition(s, [], ['NVIDIA-T4', 'NVIDIA-A100'], failed);
  assert.deepEqual([f.status, f.reason], ['False', 'ProfilingFailed']);
  assert.match(f.message, /profiling on NVIDIA-T4 failed: boom; profiling on NVIDIA-A100/);
  const r = profiledCondition(s, [], ['NVIDIA-T4'], { running: ['NVIDIA-T4'], failed: [] });
  assert.deepEqual([r.status, r.reason], ['False', 'Profiling']);
  const n = profiledCondition(s, [], [], idle);
  assert.deepEqual([n.status, n.reason], ['False', 'NoProfile']);
});

test('only file:// models are profiled in the cluster', () => {
  const s = unprofiled();
  assert.equal(unprofilable(s), undefined);
  const http = { ...s, spec: { ...s.spec, model: { uri: 'https://example.com/m.onnx' } } };
  assert.match(unprofilable(http) ?? '', /only file:\/\/ models/);
});
