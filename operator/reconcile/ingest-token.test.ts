import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubeApiError } from '../kube/errors.ts';
import type { KubeApi } from '../kube/types.ts';
import { samplePipeline } from '../render/fixtures.test-support.ts';
import { ensureIngestToken } from './ingest-token.ts';

// biome-ignore lint/suspicious/noExplicitAny: a stand-in of our own KubeApi interface
type Obj = Record<string, any>;

function recordingApi(existing: boolean) {
  const created: { path: string; body: Obj }[] = [];
  const api = {
    async create(path: string, body: unknown) {
      if (existing) throw new KubeApiError('exists', 409, 'AlreadyExists');
      created.push({ path, body: body as Obj });
      return body as never;
    },
  } as unknown as KubeApi;
  return { api, created };
}

test('the generated token Secret is created once, owned by the pipeline, never overwritten', async () => {
  const { pipeline } = samplePipeline();
  const fresh = recordingApi(false);
  assert.equal(await ensureIngestToken(fresh.api, pipeline), true);
  const [secret] = fresh.created;
  assert.equal(secret!.path, '/api/v1/namespaces/media/secrets');
  assert.equal(secret!.body.metadata.name, 'video-classifier-ingest-token');
  assert.equal(secret!.body.metadata.ownerReferences[0].uid, 'uid-1');
  assert.match(secret!.body.stringData.token, /^[A-Za-z0-9_-]{43}$/);
  // Another reconcile: the Secret is there; it is left as it is.
  assert.equal(await ensureIngestToken(recordingApi(true).api, pipeline), false);
  // A pipeline naming its own Secret, or with an open API: nothing to create.
  const own = structuredClone(pipeline);
  own.spec.source = { ...own.spec.source, http: { enabled: true, tokenSecretRef: { name: 'mine' } } };
  const none = recordingApi(false);
  assert.equal(await ensureIngestToken(none.api, own), false);
  assert.equal(none.created.length, 0);
});
