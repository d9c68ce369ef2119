import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleChildren } from './fixtures.test-support.ts';
import { LABELS } from './names.ts';
import type { Toleration } from './options.ts';

// biome-ignore lint/suspicious/noExplicitAny: the test walks rendered JSON by path
type Obj = Record<string, any>;

const gpu = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

function deployments(tolerations?: Toleration[]) {
  const options = { image: 'vpo:test', kafkaBootstrap: 'k:9092', ...(tolerations ? { tolerations } : {}) };
  const objects = sampleChildren(options) as Obj[];
  const of = (role: string) =>
    objects.filter((o) => o.kind === 'Deployment' && o.spec.template.metadata.labels[LABELS.role] === role);
  return { backends: of('backend'), ingest: of('ingest') };
}

test('backend pods tolerate the nvidia.com/gpu taint; ingest pods (no GPU) do not', () => {
  const { backends, ingest } = deployments();
  assert.ok(backends.length > 0);
  for (const d of backends) assert.deepEqual(d.spec.template.spec.tolerations, [gpu]);
  assert.equal(ingest.length, 1);
  assert.equal(ingest[0]!.spec.template.spec.tolerations, undefined);
});

test('configured tolerations are added after the GPU one, which is not repeated', () => {
  const extra: Toleration = { key: 'dedicated', operator: 'Equal', value: 'video', effect: 'NoSchedule' };
  const { backends } = deployments([
    extra,
    { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
  ]);
  for (const d of backends) assert.deepEqual(d.spec.template.spec.tolerations, [gpu, extra]);
});
