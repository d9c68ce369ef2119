// biome-ignore-all lint/suspicious/noExplicitAny: the test reads kubectl JSON and manifests by path
// The closed loop: the operator (load epochs of 10 s, the floor) observes the source topic's
// offsets in Kafka, re-plans when the demand leaves [0.8×, 1.1×] of the planned rate, and the
// Deployments follow; the kubelet stand-in runs the pods the scheduler places on KWOK GPU nodes.
// Produce at 0.75 videos/s (the spec's target, peakFactor 1), double to 1.5 → lag grows and
// throughput falls behind (Degraded=True) → the operator re-plans with more backends (and a second
// ingest pod: the test's ingest takes 1 video/s per pod); halve back →
// fewer backends after the hysteresis window, and Degraded clears once the backlog drained. The
// topics keep their partitions within the headroom; past it they grow, and the pods' clients find
// the new partitions within seconds (metadata max age 10 s; e2e/kafka-faults.integration.test.ts).
// The test sessions carry slow, batch-insensitive A100 and T4 profiles (1100/900/40 ms per video,
// max batch 2): the first plan does about 0.9 videos/s, under 0.8 × the doubled load, so after the
// re-plan the throughput is below the new target until the added backends run (BelowTarget), and
// the planner's replica math is what moves the Deployments. Backend pods run with
// --emulate-device-latency: each batch lasts the profiled ℓ(b) on this machine's CPU too, so the
// KWOK "GPUs" are as slow as the plan assumes. Bounded: each phase waits at most a few epochs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Partitioners } from 'kafkajs';
import { getKubernetesTestEnv } from './env/environment.ts';
import { eventually, type Installed, installVpo, ROOT, testSamples } from './harness/vpo-install.ts';
import { rawClient } from './kafka-support/harness.ts';

const env = getKubernetesTestEnv();
const topic = (what: string) => `closedloop-${process.pid}.${what}`;
const VIDEO = pathToFileURL(join(ROOT, 'samples', 'videos', 'static-bright.mp4')).href;
const slowMicros: Record<string, number> = {
  'scene-classifier': 1_100_000,
  'motion-detector': 900_000,
  'fusion-classifier': 40_000,
};

let vpo: Installed;
let rateVps = 0;
let producing = true;
let producer: Promise<void> | undefined;

before(async () => {
  vpo = await installVpo({
    kubeconfig: env.kubeconfig,
    kafkaBootstrap: env.kafkaBootstrap,
    name: 'closedloop',
    // The producer below paces its videos evenly (each 1/rate after the one before): plans for
    // steady arrivals are what such a source needs.
    operatorArgs: [
      '--load-epoch-ms=10000',
      '--plan-for=steady',
      `--ingest-file-root=${join(ROOT, 'samples', 'videos')}`,
    ],
    emulateDevice: true,
  });
});

after(async () => {
  producing = false;
  await producer;
  await vpo?.stop();
});

const slowCopy = (doc: any) => {
  if (doc.kind === 'ModelSession') {
    const micros = slowMicros[doc.metadata.name]!;
    doc.spec.executionProvider = 'cpu';
    doc.spec.batching.maxBatchSize = 2;
    // A profile for every GPU product of the test cluster: no profiling Jobs compete for the
    // cores here (the profiling e2e covers them).
    doc.spec.profiles = ['NVIDIA-A100-SXM4-80GB', 'NVIDIA-T4'].map((gpuProduct) => ({
      gpuProduct,
      points: [
        { batchSize: 1, latencyMicros: micros, memoryMiB: 1000 },
        { batchSize: 2, latencyMicros: 2 * micros, memoryMiB: 1500 },
      ],
    }));
  }
  if (doc.kind !== 'VideoPipeline') return;
  // One decode at a time per ingest pod, videos measured at 1000 ms CPU each: 1 video/s per pod,
  // so the doubled load needs a second ingest pod too.
  doc.spec.ingestProfile = {
    ...doc.spec.ingestProfile,
    meanCpuMillisPerVideo: 1000,
    maxCpuMillisPerVideo: 1000,
  };
  doc.spec.source = {
    ...doc.spec.source,
    kafkaTopic: topic('incoming'),
    allowedUriSchemes: ['file'],
    downloadConcurrency: 1,
  };
  doc.spec.output = { kafkaTopic: topic('results') };
  doc.spec.deadLetter = { kafkaTopic: topic('dead'), maxRetries: 1 };
  // peakFactor 1: the plan has no headroom over the target, so twice the target is more than the
  // first plan can do (Degraded=True until the re-planned backends have drained the backlog).
  doc.spec.load = { videosPerSecond: '0.75', peakFactor: '1' };
};

/**
 * Produces at `rateVps` (read before each record) until stopped: one producer, each record due
 * 1/rate after the one before, so the produced rate is the asked one whatever a send costs.
 */
async function produce(): Promise<void> {
  const producer = rawClient(env.kafkaBootstrap).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    let dueMs = Date.now();
    for (let i = 0; producing; i++) {
      const videoId = `cl-${i}`;
      const value = JSON.stringify({ videoId, source: VIDEO, ingestedAtMs: Date.now(), outputs: {} });
      await producer.send({ topic: topic('incoming'), messages: [{ key: videoId, value }] });
      dueMs += 1000 / rateVps;
      await sleep(Math.max(0, dueMs - Date.now()));
    }
  } finally {
    await producer.disconnect();
  }
}

const pipeline = () => vpo.json(['get', 'vp', 'video-classifier', '-n', vpo.pipelines]);
const condition = (vp: any, type: string) => vp.status?.conditions?.find((c: any) => c.type === type);

const ingestReplicas = async (): Promise<number> =>
  (await vpo.json(['get', 'deployment', 'video-classifier-ingest', '-n', vpo.pipelines])).spec.replicas;

async function backendReplicas(): Promise<number> {
  const list = await vpo.json([
    'get',
    'deployments',
    '-n',
    vpo.pipelines,
    '-l',
    'serving.vpo.dev/role=backend',
  ]);
  return (list.items as any[]).reduce((n, d) => n + d.spec.replicas, 0);
}

/** Every planned backend pod runs under the harness and answers /readyz. */
async function allRunning(replicas: number): Promise<boolean> {
  const backends = vpo.harness.running().filter((r) => r.labels['serving.vpo.dev/role'] === 'backend');
  if (backends.length !== replicas) return false;
  for (const run of backends)
    if (!(await fetch(`${run.url}/readyz`).catch(() => undefined))?.ok) return false;
  return true;
}

test('doubling the load raises Degraded and adds backends; halving it removes them', async () => {
  await vpo.kubectl(['apply', '-n', vpo.pipelines, '-f', await testSamples(slowCopy)]);
  const log = async () =>
    `operator log:\n${vpo.operatorLog()}\npods:\n${await vpo.kubectl(['get', 'pods', '-n', vpo.pipelines, '-o', 'wide']).catch((e: Error) => e.message)}\nprocesses:\n${await vpo.harness.logTails()}`;
  const initial = await eventually(
    'the first plan',
    async () => (await pipeline()).status?.plan?.gpus,
    120_000,
    log,
  );
  assert.equal(initial, 2, 'the slow profiles plan 2 GPUs for 0.75 videos/s');
  assert.equal(await ingestReplicas(), 1, 'one ingest pod for 0.75 videos/s');
  await eventually(
    'the initial backends running',
    async () => allRunning(await backendReplicas()),
    180_000,
    log,
  );

  rateVps = 0.75;
  producer = produce();
  // A few epochs at the target: no re-plan (the demand stays inside the hysteresis band).
  await sleep(25_000);
  assert.equal((await pipeline()).status.plan.gpus, initial, 'the plan moved at the target rate');

  rateVps = 1.5;
  // Watch the status from here on: Degraded=True must show up while the plan is short.
  const seen = { degraded: [] as string[], p99: 0 };
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const vp = await pipeline().catch(() => undefined);
      const d = condition(vp, 'Degraded');
      if (d?.status === 'True' && !seen.degraded.includes(d.reason)) seen.degraded.push(d.reason);
      seen.p99 = Math.max(seen.p99, Number(vp?.status?.observed?.p99LatencyMs ?? 0));
      await sleep(1000);
    }
  })();
  let grown = 0;
  let calm: any;
  try {
    grown = await eventually(
      'a re-plan with more backends after doubling the load',
      async () => {
        const replicas = await backendReplicas();
        return replicas > initial ? replicas : undefined;
      },
      90_000,
      log,
    );
    // The status shows the arrivals above the band (its update may trail the Deployments').
    await eventually(
      'observed arrivals above 1.1 × the target',
      async () => Number((await pipeline()).status.observed?.videosPerSecond) > 0.825,
      30_000,
      log,
    );
    // The plan may move again while its Deployments roll: wait for whatever it settles on.
    grown = await eventually(
      'the added backends running',
      async () => {
        const replicas = await backendReplicas();
        return replicas > initial && (await allRunning(replicas)) ? replicas : undefined;
      },
      120_000,
      log,
    );
    await eventually('Degraded=True after doubling', async () => seen.degraded.length > 0, 30_000, log);
    // The ingest follows the plan too: a second pod for the doubled load, running.
    await eventually(
      'a second ingest pod',
      async () => {
        const planned = (await pipeline()).status.plan.ingest.replicas;
        const running = vpo.harness.running().filter((r) => r.labels['serving.vpo.dev/role'] === 'ingest');
        return planned >= 2 && (await ingestReplicas()) === planned && running.length === planned;
      },
      60_000,
      log,
    );

    rateVps = 0.75;
    // The load policy holds re-plans while the last one's pods start and report its generation
    // (up to rolloutGraceMs, 2 min), then wants two epochs below the band: allow for both.
    await eventually(
      'a re-plan with fewer backends after halving the load',
      async () => {
        const replicas = await backendReplicas();
        return replicas < grown ? replicas : undefined;
      },
      240_000,
      async () =>
        `planRollout ${JSON.stringify((await pipeline()).status.observed?.planRollout)}\n${await log()}`,
    );
    // Back at the target: the backlog drains and Degraded clears. (The plan may move again while
    // it drains: demand counts the backlog a replaced pod left; the scale-in was asserted above.)
    calm = await eventually(
      'Degraded=False after the scale-in',
      async () => {
        const vp = await pipeline();
        return condition(vp, 'Degraded')?.status === 'False' ? vp : undefined;
      },
      120_000,
      async () => `${JSON.stringify((await pipeline()).status)}\n${await log()}`,
    );
  } finally {
    // However the waits end, stop watching so the file's process can exit.
    watching = false;
    await watcher;
  }
  assert.ok(seen.p99 > 0, `observed.p99LatencyMs from the output records: ${seen.p99}`);
  assert.ok(Number(calm.status.observed.p99LatencyMs) > 0, JSON.stringify(calm.status.observed));
  assert.deepEqual(vpo.harness.unexpectedExits(), []);
});
