// The whole path a user takes, against the real API server, scheduler, KWOK GPU nodes and Kafka:
// `helm install` charts/vpo → the operator (from the sources, with the installed Deployment's args
// and ServiceAccount token) → `kubectl apply -f` a copy of samples/video-classifier → the scheduler
// places the backends on KWOK GPU nodes → the kubelet stand-in (e2e/harness) runs the scheduled
// pods as `vpo runtime` processes → sample videos produced to the source topic and one POSTed to
// the ingest pod → every video's labels on the output topic → `kubectl get vp` READY True, OBSERVED
// > 0 (the operator observes Kafka offsets, never pods).
// The copy differs from the sample only where this machine needs it: topics of its own (files run
// in parallel), file:// URIs allowed, executionProvider cpu (the GPUs are KWOK's; the plan still
// uses the sessions' GPU profiles), and a load of 1 video/s so the plan stays a few processes.
// biome-ignore-all lint/suspicious/noExplicitAny: the test reads kubectl JSON and manifests by path
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { getKubernetesTestEnv } from './env/environment.ts';
import { eventually, type Installed, installVpo, ROOT, testSamples } from './harness/vpo-install.ts';
import { collect, produceRaw, type Results } from './kafka-support/harness.ts';

const env = getKubernetesTestEnv();
const topic = (what: string) => `fullpath-${process.pid}.${what}`;
const VIDEOS = join(ROOT, 'samples', 'videos');

interface Expected {
  file: string;
  scene: string;
  motion: string;
  label: string;
}

let vpo: Installed;
let results: Results | undefined;

before(async () => {
  vpo = await installVpo({
    kubeconfig: env.kubeconfig,
    kafkaBootstrap: env.kafkaBootstrap,
    name: 'fullpath',
    // A development cluster's nodes see the sample videos on a host path.
    operatorArgs: [`--ingest-file-root=${VIDEOS}`],
  });
});

after(async () => {
  await results?.stop();
  await vpo?.stop();
});

const pipelineCopy = (doc: any) => {
  if (doc.kind === 'ModelSession') doc.spec.executionProvider = 'cpu';
  if (doc.kind !== 'VideoPipeline') return;
  doc.spec.source = { ...doc.spec.source, kafkaTopic: topic('incoming'), allowedUriSchemes: ['file'] };
  doc.spec.output = { kafkaTopic: topic('results') };
  doc.spec.deadLetter = { kafkaTopic: topic('dead'), maxRetries: 1 };
  doc.spec.load = { videosPerSecond: '1', peakFactor: '1' };
};

const sourceMessage = (videoId: string, file: string) => ({
  key: videoId,
  value: JSON.stringify({
    videoId,
    source: pathToFileURL(join(VIDEOS, file)).href,
    ingestedAtMs: Date.now(),
    outputs: {},
  }),
});

test('helm install → kubectl apply → scheduled pods run → labels on the output topic → READY, OBSERVED', async () => {
  const expected = JSON.parse(await readFile(join(VIDEOS, 'expected.json'), 'utf8')) as Expected[];
  const dir = await testSamples(pipelineCopy);
  await vpo.kubectl(['apply', '-n', vpo.pipelines, '-f', dir]);
  const log = () => `operator log:\n${vpo.operatorLog()}`;
  const planned = await eventually(
    'a plan',
    async () => {
      const vp = await vpo.json(['get', 'vp', 'video-classifier', '-n', vpo.pipelines]);
      return vp.status?.plan?.backends?.length ? vp : undefined;
    },
    120_000,
    log,
  );
  const backends = planned.status.plan.backends as { name: string; replicas: number; gpuProduct: string }[];
  const ingestPods = planned.status.plan.ingest.replicas as number;
  assert.ok(ingestPods >= 1, JSON.stringify(planned.status.plan.ingest));
  const pods = backends.reduce((n, b) => n + b.replicas, ingestPods);

  // Every planned pod runs (the harness started it) and answers /readyz.
  let tails = '';
  const running = await eventually(
    `${pods} runtime processes ready`,
    async () => {
      tails = await vpo.harness.logTails();
      const now = vpo.harness.running();
      if (now.length !== pods) return undefined;
      for (const run of now) if (!(await fetch(`${run.url}/readyz`)).ok) return undefined;
      return now;
    },
    180_000,
    () => `${log()}\n${tails}\nexits: ${JSON.stringify(vpo.harness.unexpectedExits(), null, 1)}`,
  );
  assert.equal(
    running.filter((r) => r.labels['serving.vpo.dev/role'] === 'ingest').length,
    ingestPods,
    'the planned ingest pods run',
  );
  const nodes = (await vpo.json(['get', 'nodes'])).items as any[];
  for (const run of running.filter((r) => r.labels['serving.vpo.dev/role'] === 'backend')) {
    const group = backends.find((b) => b.name === run.labels['serving.vpo.dev/backend']);
    const node = nodes.find((n) => n.metadata.name === run.node);
    assert.ok(group, `${run.name} belongs to no planned group`);
    assert.equal(
      node?.metadata.labels['nvidia.com/gpu.product'],
      group.gpuProduct,
      `${run.name} on ${run.node}`,
    );
    assert.ok(run.args.includes('--backend') && run.args.includes(group.name), run.args.join(' '));
  }

  results = await collect(env.kafkaBootstrap, topic('results'));
  const [posted, ...produced] = expected.map((e, i) => ({
    ...e,
    videoId: `fp-${i}-${e.file.replace(/\W/g, '-')}`,
  }));
  await produceRaw(
    env.kafkaBootstrap,
    topic('incoming'),
    produced.map((v) => sourceMessage(v.videoId, v.file)),
  );
  const ingest = running.find((r) => r.labels['serving.vpo.dev/role'] === 'ingest');
  // The ingest API on its own port, behind the token the operator generated into a Secret; the
  // server assigns the video's id.
  const secret = await vpo.json(['get', 'secret', 'video-classifier-ingest-token', '-n', vpo.pipelines]);
  const token = Buffer.from(secret.data.token as string, 'base64').toString();
  const post = (authorization?: string) =>
    fetch(`${ingest?.apiUrl}/v1/videos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ uri: pathToFileURL(join(VIDEOS, posted!.file)).href }),
    });
  assert.equal((await post()).status, 401, 'no token, no video');
  assert.equal((await post('Bearer not-the-token')).status, 401);
  const response = await post(`Bearer ${token}`);
  assert.equal(response.status, 202);
  posted!.videoId = ((await response.json()) as { videoId: string }).videoId;

  const all = [posted!, ...produced];
  const done = () => all.every((v) => results!.items.some((r) => r.videoId === v.videoId));
  await results.until(done, 180_000, `results for ${all.length} videos`);
  for (const video of all) {
    const out = results.items.find((r) => r.videoId === video.videoId)!.outputs as Record<
      string,
      { label?: string }
    >;
    assert.equal(out.fusion?.label, video.label, `${video.file}: fusion`);
    assert.equal(out.scene?.label, video.scene, `${video.file}: scene`);
    assert.equal(out.motion?.label, video.motion, `${video.file}: motion`);
  }

  // What a user sees: READY True with a non-zero observed rate, measured from the source topic's
  // offsets while videos keep arriving (a trickle, so the rate between two readings is > 0).
  let trickling = true;
  const trickle = (async () => {
    for (let i = 0; trickling; i++) {
      const e = expected[i % expected.length]!;
      await produceRaw(env.kafkaBootstrap, topic('incoming'), [sourceMessage(`fp-trickle-${i}`, e.file)]);
      await sleep(1000);
    }
  })();
  try {
    await eventually(
      'kubectl get vp: READY True, OBSERVED > 0',
      async () => {
        const row = (
          await vpo.kubectl(['get', 'vp', 'video-classifier', '-n', vpo.pipelines, '--no-headers'])
        )
          .trim()
          .split(/\s+/);
        const [, ready, , , observed] = row;
        return ready === 'True' && Number(observed) > 0 ? row : undefined;
      },
      120_000,
      log,
    );
  } finally {
    trickling = false;
    await trickle;
  }
  assert.deepEqual(vpo.harness.unexpectedExits(), []);
});
