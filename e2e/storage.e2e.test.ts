// biome-ignore-all lint/suspicious/noExplicitAny: the test reads kubectl JSON and manifests by path
// Object storage and truthful readiness on the real API server, with the suite's real S3 server
// (SeaweedFS) and Kafka broker: `vpo operator` runs as a child process with an object store
// (--s3-*, the pipelines' keys in a Secret of their namespace) but no default frame store; the
// kubelet stand-in (e2e/harness) runs the scheduled pods as `vpo runtime` processes.
// - A pipeline whose pods could not share frames is refused: Planned=False FrameStoreNotShared,
//   nothing deployed.
// - ModelSessions with s3:// and http:// models are Ready only once the operator fetched and
//   opened them: a missing object, a wrong sha256 and an HTTP 404 say why.
// - With spec.frameStore kind s3, the operator renders the s3 frame store (runtime file, keys by
//   secretKeyRef, no frames volume); the sample runs with sources, models and frames in S3, labels
//   come out on the output topic, and the frames are gone afterwards.
// - Ready follows the ingest Deployment: with its pods forbidden (a LimitRange only GPU pods
//   pass), Ready=False IngestUnavailable; allowed again, Ready=True.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getKubernetesTestEnv } from './env/environment.ts';
import { KubeletStandIn } from './harness/kubelet-standin.ts';
import { ROOT, testSamples, vpoImage } from './harness/vpo-install.ts';
import { collect, produceRaw, type Results } from './kafka-support/harness.ts';
import { applyCrds } from './support/crds.ts';
import { eventually } from './support/eventually.ts';
import { kubectlIn, kubeEnv, mergePatch } from './support/kubectl.ts';
import { createNamespaces, deleteNamespaces } from './support/namespace.ts';
import { localOperatorArgs, type OperatorProcess, spawnOperator } from './support/operator-process.ts';
import { freshBucket, keysUnder, testObjectStore, testS3 } from './support/s3.ts';

const env = getKubernetesTestEnv();
const s3 = testS3();
const ns = `storage-e2e-${process.pid}`;
const kenv = kubeEnv(env.kubeconfig);
const { kubectl, json } = kubectlIn(kenv);
const topic = (what: string) => `storage-${process.pid}.${what}`;
const store = testObjectStore();
const VIDEOS = join(ROOT, 'samples', 'videos');

let buckets: { frames: string; models: string; sources: string };
let operator: OperatorProcess;
let harness: KubeletStandIn;
let server: http.Server;
let httpBase = '';
let results: Results | undefined;

const condition = (obj: any, type: string) => obj?.status?.conditions?.find((c: any) => c.type === type);
const vp = () => json(['get', 'vp', 'video-classifier', '-n', ns]);
const log = () => `operator log:\n${operator.logs.join('').slice(-4000)}`;
const limitRange = JSON.stringify({
  apiVersion: 'v1',
  kind: 'LimitRange',
  metadata: { name: 'gpu-pods-only', namespace: ns },
  // Every container must request a GPU: backends pass, the ingest (no GPU) is forbidden.
  spec: { limits: [{ type: 'Container', min: { 'nvidia.com/gpu': '1' } }] },
});

before(async () => {
  buckets = {
    frames: await freshBucket(store, 'frames'),
    models: await freshBucket(store, 'models'),
    sources: await freshBucket(store, 'sources'),
  };
  await createNamespaces(kubectl, ns);
  await applyCrds(kubectl, 'CRDs');
  await kubectl([
    'create',
    'secret',
    'generic',
    'vpo-s3',
    '-n',
    ns,
    `--from-literal=accessKeyId=${s3.accessKeyId}`,
    `--from-literal=secretAccessKey=${s3.secretAccessKey}`,
  ]);
  server = http.createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  httpBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  harness = new KubeletStandIn({
    kubeconfig: env.kubeconfig,
    namespace: ns,
    imageFor: (image) => vpoImage(image),
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  await harness.start();
  const args = localOperatorArgs(
    ns,
    [
      '--kafka-bootstrap',
      env.kafkaBootstrap,
      '--s3-endpoint',
      s3.endpoint,
      '--s3-region',
      s3.region,
      '--s3-force-path-style',
      '--s3-credentials-secret',
      'vpo-s3',
    ],
    { sharedFrameStore: false },
  );
  // The operator's own keys (the chart sets them from a Secret in the operator's namespace).
  operator = spawnOperator(args, {
    ...kenv,
    VPO_S3_ACCESS_KEY_ID: s3.accessKeyId,
    VPO_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  });
});

after(async () => {
  await results?.stop();
  await harness?.stop();
  operator?.child.kill('SIGTERM');
  await operator?.exited;
  await new Promise((resolve) => server?.close(resolve));
  await deleteNamespaces(kubectl, ns);
  store.close();
});

/** The sample with s3:// models (uploaded, with their sha256), s3:// sources and topics of its own. */
async function samplesInS3(): Promise<string> {
  const sha: Record<string, string> = {};
  for (const model of ['scene', 'motion', 'fusion']) {
    const bytes = await readFile(join(ROOT, 'samples', 'video-classifier', 'models', `${model}.onnx`));
    await store.put(buckets.models, `video-classifier/${model}.onnx`, bytes);
    sha[model] = createHash('sha256').update(bytes).digest('hex');
  }
  return testSamples((doc: any) => {
    if (doc.kind === 'ModelSession') {
      const model = /([a-z]+)\.onnx$/.exec(doc.spec.model.uri)![1]!;
      doc.spec.executionProvider = 'cpu';
      doc.spec.model = { uri: `s3://${buckets.models}/video-classifier/${model}.onnx`, sha256: sha[model] };
      return;
    }
    doc.spec.source = { ...doc.spec.source, kafkaTopic: topic('incoming'), allowedUriSchemes: ['s3'] };
    doc.spec.output = { kafkaTopic: topic('results') };
    doc.spec.deadLetter = { kafkaTopic: topic('dead'), maxRetries: 1 };
    doc.spec.load = { videosPerSecond: '1', peakFactor: '1' };
  });
}

test('no frame store every pod shares: Planned=False FrameStoreNotShared, nothing deployed', async () => {
  await kubectl(['apply', '-n', ns, '-f', await samplesInS3()]);
  const refused = await eventually(
    'Planned=False FrameStoreNotShared',
    async () => {
      const o = await vp();
      return condition(o, 'Planned')?.reason === 'FrameStoreNotShared' ? o : undefined;
    },
    { timeoutMs: 90_000, detail: log },
  );
  assert.equal(condition(refused, 'Planned').status, 'False');
  assert.match(condition(refused, 'Planned').message, /need a frame store they all share/);
  assert.equal(condition(refused, 'Ready').status, 'False');
  const row = (await kubectl(['get', 'vp', 'video-classifier', '-n', ns, '--no-headers'])).split(/\s+/);
  assert.equal(row[1], 'False');
  assert.deepEqual(
    (await json(['get', 'deploy,configmap', '-n', ns, '-l', 'app.kubernetes.io/managed-by=vpo-operator']))
      .items,
    [],
  );
});

test('ModelSessions are Ready only once the operator fetched and opened their models', async () => {
  const sceneSha = (await json(['get', 'ms', 'scene-classifier', '-n', ns])).spec.model.sha256;
  const session = (name: string, model: object) =>
    JSON.stringify({
      apiVersion: 'serving.vpo.dev/v1alpha1',
      kind: 'ModelSession',
      metadata: { name, namespace: ns },
      spec: {
        model,
        input: { name: 'frames', layout: 'NFCHW', frames: 8, width: 64, height: 64 },
        executionProvider: 'cpu',
        batching: { maxBatchSize: 8 },
        profiles: [{ gpuProduct: 'NVIDIA-T4', points: [{ batchSize: 1, latencyMicros: 1000 }] }],
      },
    });
  await kubectl(
    ['apply', '-f', '-'],
    session('missing', { uri: `s3://${buckets.models}/video-classifier/nope.onnx` }),
  );
  await kubectl(
    ['apply', '-f', '-'],
    session('bad-sum', { uri: `s3://${buckets.models}/video-classifier/scene.onnx`, sha256: '0'.repeat(64) }),
  );
  await kubectl(['apply', '-f', '-'], session('http-404', { uri: `${httpBase}/scene.onnx` }));
  const expected: Record<string, [string, string, RegExp]> = {
    'scene-classifier': ['True', 'Ready', new RegExp(`sha256 ${sceneSha} \\(matches\\), ONNX IR`)],
    'motion-detector': ['True', 'Ready', /ONNX IR \d+/],
    missing: ['False', 'ModelUnreachable', /no such object/],
    'bad-sum': ['False', 'ChecksumMismatch', /spec.model.sha256 is 0{64}/],
    'http-404': ['False', 'ModelUnreachable', /HTTP 404/],
  };
  for (const [name, [status, reason, message]] of Object.entries(expected)) {
    const ready = await eventually(
      `ModelSession ${name}: Ready=${status} ${reason}`,
      async () => {
        const c = condition(await json(['get', 'ms', name, '-n', ns]), 'Ready');
        return c?.reason === reason ? c : undefined;
      },
      { timeoutMs: 90_000, detail: log },
    );
    assert.equal(ready.status, status, name);
    assert.match(ready.message, message, name);
  }
  const table = await kubectl(['get', 'ms', '-n', ns, '--no-headers']);
  assert.match(table, /^bad-sum\s+False\s+True/m);
});

test('frameStore kind s3: rendered, the sample runs with sources, models and frames in S3; Ready follows the ingest', async () => {
  await mergePatch(
    kubectl,
    'vp',
    'video-classifier',
    ns,
    JSON.stringify({ spec: { frameStore: { kind: 's3', s3: { bucket: buckets.frames } } } }),
  );
  const ready = await eventually(
    'Ready=True',
    async () => {
      const o = await vp();
      return condition(o, 'Ready')?.status === 'True' ? o : undefined;
    },
    { timeoutMs: 240_000, detail: async () => `${log()}\n${await harness.logTails()}` },
  );
  const prefix = `${ns}/video-classifier/`;
  const file = JSON.parse(
    (await json(['get', 'configmap', 'video-classifier-config', '-n', ns])).data['config.json'],
  );
  assert.deepEqual(file.frameStore, { kind: 's3', bucket: buckets.frames, prefix });
  assert.deepEqual(file.objectStore, {
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentialsEnv: { accessKeyId: 'VPO_S3_ACCESS_KEY_ID', secretAccessKey: 'VPO_S3_SECRET_ACCESS_KEY' },
  });
  const cmText = JSON.stringify(file);
  assert.ok(!cmText.includes(s3.secretAccessKey), 'no key in the ConfigMap');
  const deployments = (await json(['get', 'deploy', '-n', ns])).items as any[];
  for (const d of deployments) {
    const spec = d.spec.template.spec;
    assert.ok(!spec.volumes.some((v: any) => v.name === 'frames'), `${d.metadata.name}: no frames volume`);
    const keyEnv = spec.containers[0].env.find((e: any) => e.name === 'VPO_S3_SECRET_ACCESS_KEY');
    assert.deepEqual(keyEnv.valueFrom, { secretKeyRef: { name: 'vpo-s3', key: 'secretAccessKey' } });
  }

  // KWOK reports the pods ready; the stand-in's processes must be too before videos go in.
  const pods = ready.status.plan.backends.reduce(
    (n: number, b: any) => n + b.replicas,
    ready.status.plan.ingest.replicas,
  );
  await eventually(
    `${pods} runtime processes ready`,
    async () => {
      const now = harness.running();
      if (now.length !== pods) return undefined;
      for (const run of now)
        if (!(await fetch(`${run.url}/readyz`).catch(() => undefined))?.ok) return undefined;
      return true;
    },
    {
      timeoutMs: 180_000,
      detail: async () => `${await harness.logTails()}\nexits: ${JSON.stringify(harness.unexpectedExits())}`,
    },
  );

  // The sample through the pods: every source an s3:// object.
  const expected = JSON.parse(await readFile(join(VIDEOS, 'expected.json'), 'utf8')) as {
    file: string;
    label: string;
  }[];
  const chosen = expected.filter((e) =>
    ['static-dark.mp4', 'moving-colorful.webm', 'moving-bright.mp4'].includes(e.file),
  );
  for (const e of chosen) await store.put(buckets.sources, e.file, await readFile(join(VIDEOS, e.file)));
  results = await collect(env.kafkaBootstrap, topic('results'));
  const [posted, ...produced] = chosen;
  await produceRaw(
    env.kafkaBootstrap,
    topic('incoming'),
    produced.map((e) => ({
      key: e.file,
      value: JSON.stringify({ videoId: e.file, uri: `s3://${buckets.sources}/${e.file}` }),
    })),
  );
  const ingest = harness.running().find((r) => r.labels['serving.vpo.dev/role'] === 'ingest');
  // The ingest API on its own port, behind the token the operator generated; the server assigns
  // the video's id.
  const secret = await json(['get', 'secret', 'video-classifier-ingest-token', '-n', ns]);
  const token = Buffer.from(secret.data.token as string, 'base64').toString();
  const response = await fetch(`${ingest?.apiUrl}/v1/videos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ uri: `s3://${buckets.sources}/${posted!.file}` }),
  });
  assert.equal(response.status, 202);
  const ids = new Map(chosen.map((e) => [e.file, e.file]));
  ids.set(posted!.file, ((await response.json()) as { videoId: string }).videoId);
  await results.until(
    () => chosen.every((e) => results!.items.some((r) => r.videoId === ids.get(e.file))),
    180_000,
    `results for ${chosen.length} videos`,
  );
  for (const e of chosen) {
    const found = results.items.find((r) => r.videoId === ids.get(e.file))!;
    const out = found.outputs as Record<string, { label?: string }>;
    assert.equal(out.fusion?.label, e.label, e.file);
  }
  await eventually('the frames deleted after the last stage', async () =>
    (await keysUnder(store, buckets.frames, prefix)).length === 0 ? true : undefined,
  );
  assert.deepEqual(harness.unexpectedExits(), []);

  // Ready includes the ingest: its pods forbidden, then allowed again.
  await kubectl(['apply', '-f', '-'], limitRange);
  await kubectl(['delete', 'pod', '-n', ns, '-l', 'serving.vpo.dev/role=ingest', '--wait=false']);
  const down = await eventually(
    'Ready=False IngestUnavailable',
    async () => {
      const c = condition(await vp(), 'Ready');
      return c?.reason === 'IngestUnavailable' ? c : undefined;
    },
    { timeoutMs: 120_000, detail: log },
  );
  assert.match(down.message, /video-classifier-ingest 0\/\d/);
  await kubectl(['delete', 'limitrange', 'gpu-pods-only', '-n', ns]);
  await eventually(
    'Ready=True again',
    async () => (condition(await vp(), 'Ready')?.status === 'True' ? true : undefined),
    { timeoutMs: 180_000, detail: log },
  );
  assert.equal(ready.status.plan.ingest.replicas >= 1, true);
});
