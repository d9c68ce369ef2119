import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../kube/types.ts';
import { samplePipeline } from '../render/fixtures.test-support.ts';
import { failuresByBackend, podStartFailure } from './backend-failures.ts';
import { pipelineStatus } from './pipeline-status.ts';

const line =
  'ProviderUnavailable: stage scene (session scene-classifier) needs cuda: libraries present, no NVIDIA driver (no NVIDIA driver here …)';

function pod(backend: string, status: unknown): KubeObject {
  return {
    metadata: {
      name: `${backend}-abc`,
      labels: { 'serving.vpo.dev/role': 'backend', 'serving.vpo.dev/backend': backend },
    },
    status,
  };
}

test('a start failure comes from the container state, or lastState while in CrashLoopBackOff', () => {
  const crashLooping = pod('g0', {
    containerStatuses: [
      {
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1, message: line } },
      },
    ],
  });
  assert.equal(podStartFailure(crashLooping)?.reason, 'ProviderUnavailable');
  const down = pod('g0', { containerStatuses: [{ state: { terminated: { exitCode: 1, message: line } } }] });
  assert.match(
    podStartFailure(down)?.message ?? '',
    /^stage scene .* needs cuda: libraries present, no NVIDIA driver/,
  );
  // A log tail (FallbackToLogsOnError) or a running pod is no start failure.
  assert.equal(
    podStartFailure(pod('g0', { containerStatuses: [{ state: { terminated: { message: 'Error: x' } } }] })),
    undefined,
  );
  assert.equal(podStartFailure(pod('g0', { containerStatuses: [{ state: { running: {} } }] })), undefined);
  assert.equal(podStartFailure(pod('g0', undefined)), undefined);
  const found = failuresByBackend(
    [down, pod('other', { containerStatuses: [{ state: { terminated: { message: line } } }] })],
    ['g0'],
  );
  assert.deepEqual([...found.keys()], ['g0']);
});

test('the pipeline is not Ready with ProviderUnavailable, naming the backend group and why', () => {
  const { pipeline, plan } = samplePipeline();
  const group = plan.backends[0]!;
  const failure = {
    reason: 'ProviderUnavailable' as const,
    message: line.slice('ProviderUnavailable: '.length),
  };
  const status = pipelineStatus(
    pipeline,
    {
      planned: { ok: true, plan },
      topics: { ok: true },
      backends: plan.backends.map((b) => ({
        name: b.name,
        replicas: b.replicas,
        available: b === group ? 0 : b.replicas,
        ...(b === group ? { failure } : {}),
      })),
      load: undefined,
      targetVps: 5,
      loadPolicy: { epochMs: 10_000, lowFactor: 0.8 },
    },
    '2026-12-04T00:00:00Z',
  );
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready?.reason, 'ProviderUnavailable');
  assert.equal(
    ready?.message,
    `backend group ${group.name} cannot start: stage scene (session scene-classifier) needs cuda: libraries present, no NVIDIA driver (no NVIDIA driver here …)`,
  );
});

test('when no group runs at all, Ready still says why, and so does Degraded', () => {
  const { pipeline, plan } = samplePipeline();
  const failure = {
    reason: 'ProviderUnavailable' as const,
    message: 'stage scene needs cuda: libraries present, no NVIDIA driver',
  };
  const status = pipelineStatus(
    pipeline,
    {
      planned: { ok: true, plan },
      topics: { ok: true },
      backends: plan.backends.map((b) => ({ name: b.name, replicas: b.replicas, available: 0, failure })),
      load: undefined,
      targetVps: 5,
      loadPolicy: { epochMs: 10_000, lowFactor: 0.8 },
    },
    '2026-12-04T00:00:00Z',
  );
  const by = (t: string) => status.conditions?.find((c) => c.type === t);
  assert.equal(by('Ready')?.reason, 'ProviderUnavailable');
  assert.equal(by('Degraded')?.reason, 'NoBackends');
  assert.match(
    by('Degraded')?.message ?? '',
    /no backend group is available: backend group .* cannot start: stage scene needs cuda/,
  );
});
