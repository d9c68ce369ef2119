// reconcileProfiling against a hand-written fake of our KubeApi: Jobs in the informer cache, pods
// by label selector; checks what the world looks like afterwards (Jobs created or deleted, the
// outcome), not which calls were made.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelSession } from '../../contract/crd-types.generated.ts';
import { fakeClock } from '../clock.ts';
import type { KubeApi, KubeObject } from '../kube/types.ts';
import { silentLogger } from '../logger.ts';
import { samplePipeline } from '../render/fixtures.test-support.ts';
import { profileJob, profileJobName } from '../render/profile-job.ts';
import type { ReconcileContext } from './context.ts';
import { reconcileProfiling } from './profiling.ts';

const session = (): ModelSession => {
  const s = samplePipeline().sessions[0]!;
  return { ...s, metadata: { ...s.metadata, uid: 'uid-s' }, spec: { ...s.spec, profiles: [] } };
};

function world(jobs: KubeObject[], pods: KubeObject[] = []) {
  const objects = new Map<string, KubeObject>(jobs.map((j) => [j.metadata.name, j]));
  const api = {
    create: async (_path: string, body: KubeObject) => {
      objects.set(body.metadata.name, body);
      return body;
    },
    delete: async (path: string) => objects.delete(decodeURIComponent(path.split('/').at(-1)!)),
    list: async (path: string) => {
      const job = decodeURIComponent(path).split('job-name=')[1];
      return {
        metadata: { resourceVersion: '1' },
        items: pods.filter((p) => p.metadata.labels?.['batch.kubernetes.io/job-name'] === job),
      };
    },
  } as unknown as KubeApi;
  const cache = new Map(jobs.map((j) => [`media/${j.metadata.name}`, j]));
  const ctx = {
    api,
    caches: { jobs: cache, nodes: new Map(), sessions: new Map(), pipelines: new Map() },
    render: { image: 'vpo:test', kafkaBootstrap: 'k:1' },
    clock: fakeClock(Date.parse('2026-01-01T00:00:00Z')),
    logger: silentLogger,
  } as unknown as ReconcileContext;
  return { ctx, objects };
}

const finished = (s: ModelSession, product: string, type: 'Complete' | 'Failed', message?: string) => {
  const job = profileJob(s, product, { image: 'vpo:test', kafkaBootstrap: 'k:1' }) as unknown as KubeObject;
  return {
    ...job,
    status: { conditions: [{ type, status: 'True', message }], completionTime: '2026-01-01T00:01:00Z' },
  };
};
const pod = (job: string, phase: string, message: string, finishedAt = 't1'): KubeObject => ({
  metadata: { name: `${job}-${finishedAt}`, labels: { 'batch.kubernetes.io/job-name': job } },
  status: { phase, containerStatuses: [{ state: { terminated: { message, finishedAt } } }] },
});

test('no Job yet: one is created per product without a profile, and it is Profiling', async () => {
  const { ctx, objects } = world([]);
  const out = await reconcileProfiling(ctx, session(), ['NVIDIA-A100', 'NVIDIA-T4']);
  assert.deepEqual(out.progress, { running: ['NVIDIA-A100', 'NVIDIA-T4'], failed: [] });
  assert.deepEqual(
    [...objects.keys()].sort(),
    [profileJobName(session(), 'NVIDIA-A100'), profileJobName(session(), 'NVIDIA-T4')].sort(),
  );
});

test('a complete Job: its termination message becomes a status profile for the pinned product', async () => {
  const s = session();
  const name = profileJobName(s, 'NVIDIA-T4');
  const result = JSON.stringify({ gpuProduct: 'NVIDIA-T4', points: [{ batchSize: 1, latencyMicros: 700 }] });
  const { ctx } = world([finished(s, 'NVIDIA-T4', 'Complete')], [pod(name, 'Succeeded', result)]);
  const out = await reconcileProfiling(ctx, s, ['NVIDIA-T4']);
  assert.deepEqual(out.progress, { running: [], failed: [] });
  assert.deepEqual(out.profiles, [
    {
      gpuProduct: 'NVIDIA-T4',
      measuredAt: '2026-01-01T00:01:00Z',
      model: { uri: 'file:///models/scene.onnx' },
      executionProvider: 'cuda',
      points: [{ batchSize: 1, latencyMicros: 700 }],
    },
  ]);
  // Recorded: nothing is left to profile, so a second round creates nothing.
  const again = await reconcileProfiling(ctx, { ...s, status: { profiles: out.profiles } }, ['NVIDIA-T4']);
  assert.deepEqual(again, { profiles: out.profiles, progress: { running: [], failed: [] } });
});

test('a failed Job: the latest pod message, else the Job condition; a Complete Job without a result fails', async () => {
  const s = session();
  const t4 = profileJobName(s, 'NVIDIA-T4');
  const { ctx } = world(
    [finished(s, 'NVIDIA-T4', 'Failed', 'BackoffLimitExceeded'), finished(s, 'NVIDIA-A100', 'Complete')],
    [pod(t4, 'Failed', 'vpo profile: first', 't1'), pod(t4, 'Failed', 'vpo profile: last', 't2')],
  );
  const out = await reconcileProfiling(ctx, s, ['NVIDIA-A100', 'NVIDIA-T4']);
  assert.deepEqual(out.progress.failed, [
    { gpuProduct: 'NVIDIA-A100', message: 'the profiling pod left no result' },
    { gpuProduct: 'NVIDIA-T4', message: 'vpo profile: last' },
  ]);
  const bare = world([finished(s, 'NVIDIA-T4', 'Failed', 'BackoffLimitExceeded')]);
  const failed = await reconcileProfiling(bare.ctx, s, ['NVIDIA-T4']);
  assert.deepEqual(failed.progress.failed, [{ gpuProduct: 'NVIDIA-T4', message: 'BackoffLimitExceeded' }]);
});

test('a new model: the old Job is deleted, a new one created, the old measurement dropped', async () => {
  const s = session();
  const old = finished(s, 'NVIDIA-T4', 'Complete');
  const moved = { ...s, spec: { ...s.spec, model: { uri: 'file:///models/scene-v2.onnx' } } };
  const stale = {
    gpuProduct: 'NVIDIA-T4',
    model: { uri: 'file:///models/scene.onnx' },
    executionProvider: 'cuda' as const,
    points: [{ batchSize: 1, latencyMicros: 5 }],
  };
  const { ctx, objects } = world([old]);
  const out = await reconcileProfiling(ctx, { ...moved, status: { profiles: [stale] } }, ['NVIDIA-T4']);
  assert.deepEqual(out.profiles, []);
  assert.deepEqual([...objects.keys()], [profileJobName(moved, 'NVIDIA-T4')]);
});

test('models the cluster cannot open are ProfilingFailed without a Job; invalid ones are left to Ready', async () => {
  const s = session();
  const http = { ...s, spec: { ...s.spec, model: { uri: 'https://example.com/m.onnx' } } };
  const { ctx, objects } = world([]);
  const out = await reconcileProfiling(ctx, http, ['NVIDIA-T4']);
  assert.match(out.progress.failed[0]?.message ?? '', /only file:\/\/ models/);
  const bad = { ...s, spec: { ...s.spec, model: { uri: 'ftp://x' } } };
  assert.deepEqual((await reconcileProfiling(ctx, bad, ['NVIDIA-T4'])).progress, { running: [], failed: [] });
  assert.equal(objects.size, 0);
});
