// biome-ignore-all lint/suspicious/noExplicitAny: the test reads kubectl JSON by path
// Pipelines share GPUs (issue #9), against the real API server, scheduler, KWOK GPU nodes and
// Kafka: `helm install` charts/vpo, the operator from the sources, three light pipelines applied
// in one namespace (scene, motion, scene: two models). The operator plans the namespace as one:
// ONE backend group, one Deployment owned by all three, one pod (the kubelet stand-in runs it as a
// `vpo runtime --role backend` process) hosting the sessions of all three; each pipeline's videos
// come out labelled on its own output topic, and its metrics carry its name. Deleting one pipeline
// shrinks the group without touching its pod (same process, same pod template): the others go on.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { dump, loadAll } from 'js-yaml';
import { getKubernetesTestEnv } from './env/environment.ts';
import { eventually, type Installed, installVpo, ROOT } from './harness/vpo-install.ts';
import { collect, produceRaw, type Results } from './kafka-support/harness.ts';

const env = getKubernetesTestEnv();
const VIDEOS = join(ROOT, 'samples', 'videos');
const PIPELINES = { 'shared-a': 'scene', 'shared-b': 'motion', 'shared-c': 'scene' } as const;
type Name = keyof typeof PIPELINES;
const names = Object.keys(PIPELINES) as Name[];
const topic = (pipeline: string, what: string) => `shared-${process.pid}.${pipeline}.${what}`;

let vpo: Installed;
const results = new Map<Name, Results>();

before(async () => {
  vpo = await installVpo({
    kubeconfig: env.kubeconfig,
    kafkaBootstrap: env.kafkaBootstrap,
    name: 'shared',
    // file:// sources are read only under configured roots: the sample videos'.
    operatorArgs: [`--ingest-file-root=${VIDEOS}`],
  });
});

after(async () => {
  for (const r of results.values()) await r.stop();
  await vpo?.stop();
});

/** The sample's sessions (on the CPU) and three one-stage pipelines with topics of their own. */
async function manifests(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vpo-shared-'));
  const sessions = loadAll(
    await readFile(join(ROOT, 'samples', 'video-classifier', 'sessions.yaml'), 'utf8'),
  ) as any[];
  for (const s of sessions) s.spec.executionProvider = 'cpu';
  const pipelines = names.map((name) => ({
    apiVersion: 'serving.vpo.dev/v1alpha1',
    kind: 'VideoPipeline',
    metadata: { name },
    spec: {
      source: { kafkaTopic: topic(name, 'incoming'), allowedUriSchemes: ['file'], downloadConcurrency: 1 },
      sampling: { frames: 8, width: 64, height: 64 },
      load: { videosPerSecond: '0.1', peakFactor: '1' },
      latencySLO: { p99Ms: 10000 },
      stages: [
        {
          name: PIPELINES[name],
          sessionRef: {
            name: `${PIPELINES[name]}-${PIPELINES[name] === 'scene' ? 'classifier' : 'detector'}`,
          },
        },
      ],
      output: { kafkaTopic: topic(name, 'results') },
      deadLetter: { kafkaTopic: topic(name, 'dead'), maxRetries: 1 },
    },
  }));
  await writeFile(join(dir, 'all.yaml'), [...sessions, ...pipelines].map((d) => dump(d)).join('---\n'));
  return dir;
}

const get = (name: string) => vpo.json(['get', 'vp', name, '-n', vpo.pipelines]);
const ready = (o: any) => o.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True';
const backendDeployments = async () =>
  (await vpo.json(['get', 'deploy', '-n', vpo.pipelines, '-l', 'serving.vpo.dev/role=backend']))
    .items as any[];
const backendRuns = () => vpo.harness.running().filter((r) => r.labels['serving.vpo.dev/role'] === 'backend');

async function sendVideos(pipeline: Name, tag: string, files: string[]): Promise<string[]> {
  const ids = files.map((f, i) => `${pipeline}-${tag}-${i}-${f.replace(/\W/g, '-')}`);
  await produceRaw(
    env.kafkaBootstrap,
    topic(pipeline, 'incoming'),
    files.map((file, i) => ({
      key: ids[i]!,
      value: JSON.stringify({
        videoId: ids[i],
        source: pathToFileURL(join(VIDEOS, file)).href,
        ingestedAtMs: Date.now(),
        outputs: {},
      }),
    })),
  );
  return ids;
}

test('three pipelines of a namespace on ONE GPU pod; each gets its results; deleting one leaves the pod running', async () => {
  const expected = JSON.parse(await readFile(join(VIDEOS, 'expected.json'), 'utf8')) as Record<
    string,
    string
  >[];
  const sample = expected.filter((e) =>
    ['static-dark.mp4', 'moving-colorful.webm', 'static-bright.mp4'].includes(e.file!),
  );
  await vpo.kubectl(['apply', '-n', vpo.pipelines, '-f', await manifests()]);
  const log = async () =>
    `operator log:\n${vpo.operatorLog()}\nprocesses:\n${await vpo.harness.logTails()}\nexits: ${JSON.stringify(vpo.harness.unexpectedExits())}`;

  // One plan for the namespace: one backend group serving all three, in every pipeline's status.
  const planned = await eventually(
    'all three Ready on one shared group',
    async () => {
      const objs = await Promise.all(names.map(get));
      return objs.every(ready) ? objs : undefined;
    },
    240_000,
    log,
  );
  for (const o of planned) {
    const plan = o.status.plan;
    assert.equal(plan.backends.length, 1, JSON.stringify(plan.backends));
    assert.deepEqual(plan.backends[0].pipelines, names);
    assert.equal(plan.backends[0].replicas, 1);
    assert.equal(plan.gpus, 1);
    assert.deepEqual(plan.namespace, {
      name: vpo.pipelines,
      pipelines: 3,
      gpus: 1,
      gpusAlone: 3,
      lowerBoundGpus: plan.namespace.lowerBoundGpus,
    });
    assert.deepEqual(
      plan.sharedWith,
      names.filter((n) => n !== o.metadata.name),
    );
  }
  const group = planned[0].status.plan.backends[0].name as string;
  const [deployment] = await backendDeployments();
  assert.equal(deployment.metadata.name, group);
  assert.deepEqual(deployment.metadata.ownerReferences.map((r: any) => r.name).sort(), names);
  const pod = await eventually(
    'the one backend pod running',
    async () => {
      const runs = backendRuns();
      if (runs.length !== 1) return undefined;
      return (await fetch(`${runs[0]!.url}/readyz`).catch(() => undefined))?.ok ? runs[0] : undefined;
    },
    180_000,
    log,
  );

  // Each pipeline's videos, labelled by its own model, on its own output topic only.
  for (const name of names) results.set(name, await collect(env.kafkaBootstrap, topic(name, 'results')));
  const sent = new Map<Name, string[]>();
  for (const name of names)
    sent.set(
      name,
      await sendVideos(
        name,
        'first',
        sample.map((e) => e.file!),
      ),
    );
  const check = async (who: Name[], tag: string) => {
    for (const name of who) {
      const r = results.get(name)!;
      const ids = sent.get(name)!.filter((id) => id.includes(`-${tag}-`));
      await r.until(
        (items) => ids.every((id) => items.some((x) => x.videoId === id)),
        180_000,
        `${name} ${tag} results`,
      );
      assert.ok(
        r.items.every((x) => x.videoId.startsWith(`${name}-`)),
        `only ${name}'s videos on its output topic`,
      );
      const stage = PIPELINES[name];
      for (const [i, id] of ids.entries()) {
        const out = r.items.find((x) => x.videoId === id)!.outputs as Record<string, { label?: string }>;
        assert.equal(out[stage]?.label, sample[i]![stage], `${name}: ${sample[i]!.file} ${stage}`);
      }
    }
  };
  await check(names, 'first');
  const metrics = await (await fetch(`${pod.url}/metrics`)).text();
  for (const name of names)
    assert.match(
      metrics,
      new RegExp(`vpo_processed_total\\{pipeline="${name}",stage="${PIPELINES[name]}"\\} 3`),
    );

  // Delete shared-a: the group keeps its name and pod, now serving the two others.
  const generation = deployment.metadata.generation;
  await vpo.kubectl(['delete', 'vp', 'shared-a', '-n', vpo.pipelines, '--timeout=120s']);
  await eventually(
    'the group to serve shared-b and shared-c',
    async () => {
      const [b, c] = await Promise.all([get('shared-b'), get('shared-c')]);
      const [d] = await backendDeployments();
      return (
        [b, c].every(
          (o) =>
            o.status.plan.backends.length === 1 &&
            o.status.plan.backends[0].name === group &&
            o.status.plan.backends[0].pipelines.join() === 'shared-b,shared-c',
        ) && d?.metadata.ownerReferences.length === 2
      );
    },
    120_000,
    log,
  );
  const [after] = await backendDeployments();
  assert.equal(after.metadata.name, group);
  assert.deepEqual(after.spec.template, deployment.spec.template, 'pod template untouched: no rollout');
  assert.equal(after.metadata.generation, generation, 'no new generation: the spec is as it was');
  const runs = backendRuns();
  assert.equal(runs.length, 1);
  assert.equal(runs[0]!.uid, pod.uid, 'the same pod');
  for (const name of ['shared-b', 'shared-c'] as Name[])
    sent.set(name, [
      ...sent.get(name)!,
      ...(await sendVideos(
        name,
        'second',
        sample.map((e) => e.file!),
      )),
    ]);
  await check(['shared-b', 'shared-c'], 'second');
  assert.equal(backendRuns()[0]!.uid, pod.uid);
  assert.deepEqual(vpo.harness.unexpectedExits(), []);
});
