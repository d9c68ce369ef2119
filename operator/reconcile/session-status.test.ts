import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelSession } from '../../contract/crd-types.generated.ts';
import { samplePipeline } from '../render/fixtures.test-support.ts';
import { sessionStatus } from './session-status.ts';

const sample = (): ModelSession => samplePipeline().sessions[0]!;
const cond = (s: ReturnType<typeof sessionStatus>, type: string) =>
  s.conditions?.find((c) => c.type === type);

test('a profiled session with a good model reference is Ready and Profiled', () => {
  const s = sessionStatus(sample(), ['NVIDIA-T4'], 't1');
  assert.equal(cond(s, 'Ready')?.status, 'True');
  assert.equal(cond(s, 'Profiled')?.status, 'True');
});

test('no profile for any product of the cluster: Profiled=False NoProfile, Ready=False', () => {
  const s = sessionStatus(sample(), ['NVIDIA-H100'], 't1');
  assert.equal(cond(s, 'Profiled')?.reason, 'NoProfile');
  assert.equal(cond(s, 'Ready')?.reason, 'NotProfiled');
});

test('a malformed model reference: Ready=False InvalidModel', () => {
  const bad = sample();
  bad.spec = { ...bad.spec, model: { uri: 'ftp://x/y.onnx' } };
  assert.equal(cond(sessionStatus(bad, ['NVIDIA-T4'], 't1'), 'Ready')?.reason, 'InvalidModel');
});

test('lastTransitionTime moves only when status flips', () => {
  const session = sample();
  const first = sessionStatus(session, ['NVIDIA-T4'], 't1');
  const again = sessionStatus({ ...session, status: first }, ['NVIDIA-T4'], 't2');
  assert.deepEqual(again, first);
  const flipped = sessionStatus({ ...session, status: first }, [], 't3');
  assert.equal(cond(flipped, 'Ready')?.lastTransitionTime, 't3');
});

test('with a profiling outcome: Profiling while Jobs run, then Profiled with the measured profile', () => {
  const bare = { ...sample(), spec: { ...sample().spec, profiles: [] } };
  const running = sessionStatus(bare, ['NVIDIA-H100'], 't1', {
    profiles: [],
    progress: { running: ['NVIDIA-H100'], failed: [] },
  });
  assert.equal(cond(running, 'Profiled')?.reason, 'Profiling');
  assert.equal(cond(running, 'Ready')?.reason, 'NotProfiled');
  assert.equal(running.profiles, undefined);
  const profile = { gpuProduct: 'NVIDIA-H100', points: [{ batchSize: 1, latencyMicros: 9 }] };
  const done = sessionStatus({ ...bare, status: running }, ['NVIDIA-H100'], 't2', {
    profiles: [profile],
    progress: { running: [], failed: [] },
  });
  assert.deepEqual(done.profiles, [profile]);
  assert.equal(cond(done, 'Profiled')?.status, 'True');
  assert.equal(cond(done, 'Ready')?.lastTransitionTime, 't2');
  const dropped = sessionStatus({ ...bare, status: done }, ['NVIDIA-H100'], 't3', {
    profiles: [],
    progress: { running: [], failed: [{ gpuProduct: 'NVIDIA-H100', message: 'no GPU' }] },
  });
  assert.deepEqual(dropped.profiles, [], 'stale profiles are cleared, not left behind');
  assert.equal(cond(dropped, 'Profiled')?.reason, 'ProfilingFailed');
  assert.match(cond(dropped, 'Profiled')?.message ?? '', /NVIDIA-H100 failed: no GPU/);
});

test("the operator's model check decides Ready for the models it can reach", () => {
  const remote = sample();
  remote.spec = { ...remote.spec, model: { uri: 'https://models.example.com/scene.onnx' } };
  const failed = sessionStatus(remote, ['NVIDIA-T4'], 't1', undefined, {
    ok: false,
    reason: 'ModelUnreachable',
    message: 'https://models.example.com/scene.onnx: HTTP 404',
  });
  assert.equal(cond(failed, 'Ready')?.status, 'False');
  assert.equal(cond(failed, 'Ready')?.reason, 'ModelUnreachable');
  assert.match(cond(failed, 'Ready')?.message ?? '', /HTTP 404/);
  assert.equal(cond(failed, 'Profiled')?.status, 'True', 'profiles are the planner’s business');
  const passed = sessionStatus({ ...remote, status: failed }, ['NVIDIA-T4'], 't2', undefined, {
    ok: true,
    message: 'https://models.example.com/scene.onnx: 1000 bytes, ONNX IR 8',
  });
  assert.equal(cond(passed, 'Ready')?.reason, 'Ready');
  assert.equal(cond(passed, 'Ready')?.lastTransitionTime, 't2');
  const local = sessionStatus(sample(), ['NVIDIA-T4'], 't1');
  assert.match(cond(local, 'Ready')?.message ?? '', /opened and checked by the backend pods/);
});

test('s3:// model URIs are well formed; a bucket that is not a bucket name is not', () => {
  const s3 = sample();
  s3.spec = { ...s3.spec, model: { uri: 's3://models/video-classifier/scene.onnx' } };
  assert.equal(cond(sessionStatus(s3, ['NVIDIA-T4'], 't1'), 'Ready')?.status, 'True');
  s3.spec = { ...s3.spec, model: { uri: 's3://Bad_Bucket/scene.onnx' } };
  assert.equal(cond(sessionStatus(s3, ['NVIDIA-T4'], 't1'), 'Ready')?.reason, 'InvalidModel');
});
