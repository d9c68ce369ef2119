import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRuntimeFile } from '../../contract/runtime-file.ts';
import { desiredChildren } from './desired.ts';
import { samplePipeline } from './fixtures.test-support.ts';
import { INGEST_TOKEN_ENV, ingestTokenOf } from './ingest-token.ts';

// biome-ignore lint/suspicious/noExplicitAny: the test walks rendered JSON by path
type Obj = Record<string, any>;
const options = { image: 'vpo:test', kafkaBootstrap: 'k:9092', frameStoreClaim: 'frames' };

function rendered(http: Obj | undefined) {
  const { pipeline, sessions, plan } = samplePipeline();
  const p = structuredClone(pipeline);
  p.spec.source = { ...p.spec.source, http } as typeof p.spec.source;
  const objects = desiredChildren(p, sessions, plan, options) as Obj[];
  const ingest = objects.find((o) => o.kind === 'Deployment')!;
  const cm = objects.find((o) => o.kind === 'ConfigMap')!;
  return {
    pipeline: p,
    env: ingest.spec.template.spec.containers[0].env as Obj[],
    source: checkRuntimeFile(JSON.parse(cm.data['config.json']), 'config.json').runtime.source,
  };
}

test('the ingest API asks for a token by default: a generated Secret, read by secretKeyRef, named in the file', () => {
  const { pipeline, env, source } = rendered({ enabled: true });
  assert.deepEqual(ingestTokenOf(pipeline), {
    secret: 'video-classifier-ingest-token',
    key: 'token',
    generated: true,
  });
  assert.deepEqual(
    env.find((e) => e.name === INGEST_TOKEN_ENV),
    {
      name: INGEST_TOKEN_ENV,
      valueFrom: { secretKeyRef: { name: 'video-classifier-ingest-token', key: 'token' } },
    },
  );
  assert.equal(source.httpTokenEnv, INGEST_TOKEN_ENV);
  assert.equal(source.clientVideoIds, undefined, 'the server assigns ids by default');
});

test("a pipeline's own Secret, an open API, or no API: what the pods get follows", () => {
  const own = rendered({
    enabled: true,
    tokenSecretRef: { name: 'callers', key: 'bearer' },
    clientVideoIds: true,
  });
  assert.deepEqual(ingestTokenOf(own.pipeline), { secret: 'callers', key: 'bearer', generated: false });
  assert.equal(own.source.clientVideoIds, true);
  for (const http of [{ enabled: true, auth: 'none' }, { enabled: false }, undefined]) {
    const r = rendered(http);
    assert.equal(ingestTokenOf(r.pipeline), undefined);
    assert.equal(r.source.httpTokenEnv, undefined);
    assert.equal(
      r.env.some((e) => e.name === INGEST_TOKEN_ENV),
      false,
    );
  }
});
