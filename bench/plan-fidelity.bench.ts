// Does the real runtime carry out the plan? The sample pipeline planned for the sample cluster
// (A100s: one saturated backend for motion, one packed backend running scene, motion and fusion
// round robin in a duty cycle), rendered into the runtime file the operator would render, and run
// as the operator would start it: `vpo runtime --role ingest` pods and one `vpo runtime --role
// backend --backend NAME` process per planned pod, on a real broker, with device time emulated at
// the plan's profiled ℓ(b) (`--emulate-device-latency`, a test knob: no GPU here). Videos arrive as
// a Poisson stream at the pipeline's load × LOAD_FACTOR for SECONDS (after a warm-up). Reported:
// SLO attainment (results within latencySLO.p99Ms of their ingest time, over every video
// submitted in the measured window), throughput (results over the videos that arrived in the
// window; over the offered rate beside it, which also carries the Poisson stream's own noise), and
// each backend pod's received rate per stage against the rate the plan gave it (scaled to the
// offered load). LOAD_FACTOR 1 offers the pipeline's load; its peakFactor offers the planned peak.
// `npm run bench -- plan-fidelity [--seconds 180] [--load-factor 1] [--warmup 30]
// [--plan-for poisson|steady]` (poisson, the default: the plan keeps the headroom random arrivals
// need; steady: Nexus's occupancy-1 plan).
// Uses KAFKA_BOOTSTRAP or starts a broker.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { RuntimeFile } from '../contract/runtime-file.ts';
import { startKafka } from '../e2e/env/kafka/broker.ts';
import { startTopicReader } from '../kafka/topic-reader.ts';
import { loadManifests } from '../operator/api/manifests.ts';
import { inventoryFromNodes, targetVideosPerSecond, toPlanRequest } from '../operator/api/to-planner.ts';
import { planPipeline } from '../operator/planner/plan.ts';
import { DEFAULT_PLAN_FOR, type Plan } from '../operator/planner/types.ts';
import { renderRuntimeFile } from '../operator/render/runtime-file.ts';
import { type RoleProcess, repoRoot, sampleDir, startRole, submitVideo } from '../scripts/kafka-pipeline.ts';
import { mulberry32 } from '../simulate/random.ts';
import type { BenchFigure } from './run.ts';
import { processedByStage, whereTimeGoes } from './support/role-metrics.ts';

interface Pod {
  group: string;
  process: RoleProcess;
}

/** The sample pipeline on the sample nodes, with topics of this run's own. */
function samplePlan(namespace: string, planFor: 'steady' | 'poisson') {
  const manifests = loadManifests([sampleDir]);
  const found = manifests.pipelines[0]!;
  const { kafkaTopic: _s, ...source } = found.spec.source ?? {};
  const pipeline = {
    ...found,
    metadata: { ...found.metadata, namespace },
    spec: {
      ...found.spec,
      source: { ...source, allowPrivateNetworks: true, http: { enabled: true } },
      output: {},
      deadLetter: { maxRetries: found.spec.deadLetter?.maxRetries ?? 3 },
    },
  } as typeof found;
  const sessions = manifests.sessions.map((s) => ({ ...s, metadata: { ...s.metadata, namespace } }));
  const planned = toPlanRequest(pipeline, sessions, inventoryFromNodes(manifests.nodes));
  const request = { ...planned, pipeline: { ...planned.pipeline, arrivals: planFor } };
  const outcome = planPipeline(request);
  if (!outcome.ok) throw new Error(`the sample does not plan: ${outcome.message}`);
  const peakFactor = request.pipeline.peakFactor;
  return { pipeline, sessions, plan: outcome.plan, loadVps: targetVideosPerSecond(pipeline), peakFactor };
}

export async function run(args: string[]): Promise<BenchFigure[]> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '180' },
      warmup: { type: 'string', default: '30' },
      'load-factor': { type: 'string', default: '1' },
      'plan-for': { type: 'string', default: DEFAULT_PLAN_FOR },
    },
  });
  const planFor = values['plan-for'] === 'steady' ? 'steady' : 'poisson';
  const seconds = Number(values.seconds);
  const warmupS = Number(values.warmup);
  const loadFactor = Number(values['load-factor']);
  const broker = process.env.KAFKA_BOOTSTRAP ? undefined : await startKafka({ ownerPid: process.pid });
  const bootstrap = process.env.KAFKA_BOOTSTRAP ?? broker!.bootstrap;
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'vpo-plan-fidelity-'));
  const namespace = `fidelity-${path.basename(workDir).slice(-6).toLowerCase()}`;
  const { pipeline, sessions, plan, loadVps, peakFactor } = samplePlan(namespace, planFor);
  const file: RuntimeFile = renderRuntimeFile({
    pipeline,
    sessions,
    plan,
    kafka: { brokers: [bootstrap], createTopics: true },
    frameStoreRoot: path.join(workDir, 'frames'),
    modelRoot: sampleDir,
    runtimeOptions: { executionProvider: 'cpu' },
  });
  // Local sources: the sample videos are readable as file:// URIs, and the bench names its videos
  // (no ingest token: a local run).
  file.runtime.source.fileRoots = [path.join(repoRoot, 'samples/videos')];
  if (!file.runtime.source.allowedUriSchemes.includes('file'))
    file.runtime.source.allowedUriSchemes.push('file');
  file.runtime.source.clientVideoIds = true;
  delete file.runtime.source.httpTokenEnv;
  const filePath = path.join(workDir, 'runtime.json');
  await writeFile(filePath, `${JSON.stringify(file, null, 2)}\n`);
  const log: string[] = [];
  const keep = (line: string) => {
    if (/^(warn|error)/.test(line)) log.push(line);
  };
  const ingest: RoleProcess[] = [];
  const pods: Pod[] = [];
  try {
    // The first process creates the topics; the rest start once they exist.
    ingest.push(await startRole(['--role', 'ingest', '--config', filePath], keep));
    for (let i = 1; i < plan.ingest.replicas; i++)
      ingest.push(await startRole(['--role', 'ingest', '--config', filePath], keep));
    for (const group of plan.backends)
      for (let r = 0; r < group.replicas; r++)
        pods.push({
          group: group.name,
          process: await startRole(
            ['--role', 'backend', '--config', filePath, '--backend', group.name, '--emulate-device-latency'],
            keep,
          ),
        });
    return await measure({
      plan,
      file,
      loadVps,
      peakFactor,
      loadFactor,
      planFor,
      seconds,
      warmupS,
      bootstrap,
      ingest,
      pods,
      log,
    });
  } finally {
    await Promise.all([...ingest, ...pods.map((p) => p.process)].map((p) => p.stop()));
    await rm(workDir, { recursive: true, force: true });
    await broker?.stop();
  }
}

interface Run {
  plan: Plan;
  file: RuntimeFile;
  loadVps: number;
  peakFactor: number;
  loadFactor: number;
  planFor: 'steady' | 'poisson';
  seconds: number;
  warmupS: number;
  bootstrap: string;
  ingest: RoleProcess[];
  pods: Pod[];
  log: string[];
}

async function measure(r: Run): Promise<BenchFigure[]> {
  const results = new Map<string, { latencyMs: number; atMs: number }>();
  const dead = new Set<string>();
  const connection = { brokers: [r.bootstrap], clientId: 'vpo-bench-fidelity' };
  const readers = [
    await startTopicReader(connection, r.file.runtime.topics.output, (v) => {
      const m = v as { videoId?: string; ingestedAtMs?: number };
      if (m.videoId && !results.has(m.videoId))
        results.set(m.videoId, { latencyMs: Date.now() - (m.ingestedAtMs ?? Date.now()), atMs: Date.now() });
    }),
    await startTopicReader(connection, r.file.runtime.topics.deadLetter, (v) => {
      const id = (v as { videoId?: string }).videoId;
      if (id) dead.add(id);
    }),
  ];
  try {
    // Consumer groups settle before the stream starts.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const dir = path.join(repoRoot, 'samples/videos');
    const files = (await readdir(dir)).filter((f) => /\.(mp4|webm)$/.test(f)).sort();
    const offeredVps = r.loadVps * r.loadFactor;
    const random = mulberry32(2026);
    const submitted: { id: string; atMs: number }[] = [];
    const startMs = Date.now();
    const endMs = startMs + (r.warmupS + r.seconds) * 1000;
    let windowStart: Map<string, Map<string, number>> | undefined;
    let windowStartMs = 0;
    let next = startMs;
    let n = 0;
    const inflight: Promise<void>[] = [];
    while (next < endMs) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (!windowStart && Date.now() >= startMs + r.warmupS * 1000) {
        windowStartMs = Date.now();
        windowStart = new Map(
          await Promise.all(
            r.pods.map(async (p) => [p.process.url, await processedByStage(p.process.url)] as const),
          ),
        );
      }
      const id = `v${n}-${files[n % files.length]}`;
      const uri = pathToFileURL(path.join(dir, files[n % files.length]!)).href;
      submitted.push({ id, atMs: Date.now() });
      inflight.push(
        submitVideo(r.ingest[n % r.ingest.length]!.apiUrl!, id, uri).catch(
          (e: Error) => void r.log.push(e.message),
        ),
      );
      n++;
      next += (-Math.log(1 - random()) * 1000) / offeredVps;
    }
    const windowEnd = new Map(
      await Promise.all(
        r.pods.map(async (p) => [p.process.url, await processedByStage(p.process.url)] as const),
      ),
    );
    const windowEndMs = Date.now();
    await Promise.all(inflight);
    // Every video gets its SLO's worth of time to finish.
    const slo = r.file.runtime.latency.sloMs;
    await new Promise((resolve) => setTimeout(resolve, slo + 2000));
    const measured = submitted.filter((s) => s.atMs >= windowStartMs && s.atMs < windowEndMs);
    const met = measured.filter(
      (s) => (results.get(s.id)?.latencyMs ?? Number.POSITIVE_INFINITY) <= slo,
    ).length;
    const windowS = (windowEndMs - windowStartMs) / 1000;
    const completedInWindow = [...results.values()].filter(
      (x) => x.atMs >= windowStartMs && x.atMs < windowEndMs,
    ).length;
    // Per pod and stage: received rate over the plan's rate for that pod, scaled to the offered load.
    // The plan's rates are for load × peakFactor; the stream offers load × loadFactor.
    const scale = r.loadFactor / r.peakFactor;
    const errors: {
      pod: string;
      stage: string;
      observedVps: number;
      plannedVps: number;
      error: number;
      shareError: number;
    }[] = [];
    for (const pod of r.pods) {
      const group = r.plan.backends.find((g) => g.name === pod.group)!;
      for (const session of group.sessions) {
        const before = windowStart?.get(pod.process.url)?.get(session.stage) ?? 0;
        const after = windowEnd.get(pod.process.url)?.get(session.stage) ?? 0;
        const observedVps = (after - before) / windowS;
        const plannedVps = session.rateVps * scale;
        // Its share of the stage's messages against its share of the stage's planned rate.
        const stageTotal = r.pods.reduce((a, other) => {
          const b = windowStart?.get(other.process.url)?.get(session.stage) ?? 0;
          return a + (windowEnd.get(other.process.url)?.get(session.stage) ?? 0) - b;
        }, 0);
        const stagePlanned = r.plan.backends.reduce(
          (a, g) => a + g.replicas * (g.sessions.find((x) => x.stage === session.stage)?.rateVps ?? 0),
          0,
        );
        const share = stageTotal > 0 ? (after - before) / stageTotal : 0;
        errors.push({
          pod: `${pod.group}@${pod.process.url}`,
          stage: session.stage,
          observedVps: Number(observedVps.toFixed(3)),
          plannedVps: Number(plannedVps.toFixed(3)),
          error: Number(Math.abs(observedVps / plannedVps - 1).toFixed(4)),
          shareError: Number(Math.abs(share / (session.rateVps / stagePlanned) - 1).toFixed(4)),
        });
      }
    }
    const latencies = measured
      .flatMap((s) => (results.has(s.id) ? [results.get(s.id)!.latencyMs] : []))
      .sort((a, b) => a - b);
    const p = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? 0;
    const attainment = measured.length === 0 ? 0 : met / measured.length;
    // Poisson arrivals offer the load on average; what arrived in the window is what the pipeline
    // could put out. Both ratios are kept: the headline over what arrived, the other over the load.
    const throughput = measured.length === 0 ? 0 : completedInWindow / measured.length;
    const throughputOverOffered = completedInWindow / windowS / offeredVps;
    const worst = errors.reduce((a, e) => (e.error > a.error ? e : a), errors[0]!);
    process.stderr.write(
      `plan-fidelity: ${measured.length} videos at ${offeredVps.toFixed(2)}/s for ${windowS.toFixed(0)} s: attainment ${attainment.toFixed(4)}, throughput/target ${throughput.toFixed(3)}, p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, worst pod rate error ${worst.error} (${worst.stage} on ${worst.pod}); ${dead.size} dead letters\n`,
    );
    for (const e of errors)
      process.stderr.write(`  ${e.pod} ${e.stage}: ${e.observedVps}/s vs planned ${e.plannedVps}/s\n`);
    const diagnostics = await whereTimeGoes([...r.ingest, ...r.pods.map((p) => p.process)]);
    for (const d of diagnostics) process.stderr.write(`  ${d}\n`);
    for (const line of r.log.slice(0, 10)) process.stderr.write(`  log: ${line}\n`);
    return [
      {
        name: 'plan-fidelity',
        value: Number(attainment.toFixed(4)),
        unit: 'SLO attainment',
        target: '>= 0.99',
        pipeline: `samples/video-classifier on the sample A100s, planned for ${r.planFor} arrivals: ${r.plan.backends.map((g) => `${g.saturated ? 'saturated' : 'packed'} ${g.sessions.map((x) => x.stage).join('+')}`).join(', ')}`,
        gpus: r.plan.gpus,
        offeredVps: Number(offeredVps.toFixed(3)),
        loadFactor: r.loadFactor,
        planFor: r.planFor,
        videos: measured.length,
        windowSeconds: Math.round(windowS),
        p50Ms: p(0.5),
        p99Ms: p(0.99),
        sloMs: slo,
        deadLetters: dead.size,
        diagnostics,
      },
      {
        name: 'plan-fidelity.throughputOverTarget',
        value: Number(throughput.toFixed(4)),
        unit: 'ratio (results produced in the window ÷ videos that arrived in it)',
        target: '>= 0.98',
        overOfferedLoad: Number(throughputOverOffered.toFixed(4)),
        arrivedVps: Number((measured.length / windowS).toFixed(3)),
        offeredVps: Number(offeredVps.toFixed(3)),
      },
      {
        name: 'plan-fidelity.podRateError',
        value: worst.error,
        unit: 'max |observed / planned − 1| over pods and stages',
        target: '<= 0.10',
        maxShareError: Math.max(...errors.map((e) => e.shareError)),
        pods: errors,
      },
    ];
  } finally {
    for (const reader of readers) await reader.close();
  }
}
