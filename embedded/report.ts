// What `vpo run` prints: one row per video as it settles (a table line, or one JSON object per
// line), then a summary (throughput, latency percentiles, batch sizes, dead letters, the plan).
import { printable } from '../contract/printable.ts';
import type { RuntimeMetrics } from '../runtime/metrics.ts';
import type { DecodeProbe } from './ingest-probe.ts';
import type { LocalPlan } from './local-plan.ts';
import {
  type CapacityPrediction,
  type PartCost,
  type PartsProbe,
  predictFromParts,
  predictLatencyMsOf,
} from './prediction.ts';
import type { RunResults, VideoRow } from './run-results.ts';

export type OutputFormat = 'table' | 'json';

export interface RunSummary {
  videos: number;
  ok: number;
  dead: number;
  elapsedMs: number;
  videosPerSecond: number;
  /** CPU time of the whole process (every thread) per video during the run, ms. */
  cpuMsPerVideo: number;
  /** Submission rate when paced (--rate), videos per second; absent when the source was flooded. */
  offeredVps?: number;
  latencyMs: { p50: number; p99: number };
  meanBatchSize: Record<string, number>;
  /** Mean download + decode + store of one video during the run, ms. */
  meanDecodeMs: number;
  deadLetters: Record<string, number>;
  plan: {
    gpuProduct: string;
    devices: number;
    plannedVps: number;
    /** The pipeline's latencySLO.p99Ms: what the plan promises for p99. */
    sloMs: number;
    /** The planned stages' capacity: the slowest stage's capacityVps. */
    capacityVps: number;
    stages: {
      name: string;
      batchSize: number;
      /** The batcher's cap in this run: the planned batch, or the saturated batch when larger. */
      batchCap: number;
      replicas: number;
      latencyBudgetMs: number;
    }[];
  };
  /** What the local plan predicts for this machine, ingest included. */
  predicted: CapacityPrediction & {
    /** Decode time measured at start-up (absent when not measured), ms. */
    decodeMs?: number;
    /** CPU time of one ingest measured at start-up (what the ingest capacity is sized by), ms. */
    ingestCpuMs?: number;
    /** Decode plus 2ℓ(b) per stage on the longest path, ms. */
    latencyMs: number;
    /** With --profile: the parts measured alone before the run (CPU ms and videos/s each). */
    parts?: PartsProbe;
    /** With --profile: CPU and main-thread ms per video of all parts, and what each allows. */
    cpuMsPerVideo?: number;
    mainMsPerVideo?: number;
    cpuBoundVps?: number;
    mainThreadBoundVps?: number;
  };
  peakRssMiB: number;
  /** process.memoryUsage() at the end of the run, MiB: where the resident memory sits. */
  memoryMiB: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  notes: string[];
}

export interface SummaryInput {
  results: RunResults;
  elapsedMs: number;
  /** CPU time of the whole process during the run, ms. */
  cpuMs: number;
  local: Pick<LocalPlan, 'plan' | 'plannedVps' | 'prediction' | 'config' | 'notes'> & {
    decode?: DecodeProbe;
  };
  metrics: Pick<RuntimeMetrics, 'batchSize' | 'decodeSeconds'>;
  peakRssMiB: number;
  offeredVps?: number;
  /** Parts measured alone before the run; the prediction is then composed from them. */
  parts?: PartsProbe;
  /** Cores the parts share. */
  cores?: number;
}

const roundPart = (p: PartCost): PartCost => ({ cpuMs: round(p.cpuMs, 3), mainMs: round(p.mainMs, 3) });

/** The capacity prediction: from the parts measured alone when there are, else the local plan's. */
function capacityOf(input: SummaryInput) {
  if (!input.parts) return input.local.prediction;
  const fromParts = predictFromParts(input.parts, input.cores ?? 1);
  const { ingest, stages, plumbing } = input.parts;
  return {
    ...fromParts,
    cpuMsPerVideo: round(fromParts.cpuMsPerVideo, 3),
    mainMsPerVideo: round(fromParts.mainMsPerVideo, 3),
    cpuBoundVps: round(fromParts.cpuBoundVps),
    mainThreadBoundVps: round(fromParts.mainThreadBoundVps),
    parts: {
      ingest: roundPart(ingest),
      stages: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, roundPart(v)])),
      plumbing: roundPart(plumbing),
    },
  };
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** Sum and count per value of `label` (or of all when absent) of a prom-client histogram. */
async function sumsOf(metric: Pick<RuntimeMetrics['batchSize'], 'get'>, label?: string) {
  const sums = new Map<string, { sum: number; count: number }>();
  for (const v of (await metric.get()).values) {
    const key = label ? String((v.labels as Record<string, unknown>)[label] ?? '') : '';
    const entry = sums.get(key) ?? { sum: 0, count: 0 };
    if (v.metricName?.endsWith('_sum')) entry.sum = v.value;
    else if (v.metricName?.endsWith('_count')) entry.count = v.value;
    else continue;
    sums.set(key, entry);
  }
  return sums;
}

/** Mean items per executed batch, by stage, from the batch-size histogram. */
export async function meanBatchSizes(
  metrics: Pick<RuntimeMetrics, 'batchSize'>,
): Promise<Record<string, number>> {
  const sums = await sumsOf(metrics.batchSize, 'stage');
  return Object.fromEntries([...sums].map(([stage, s]) => [stage, s.count ? round(s.sum / s.count) : 0]));
}

function memoryNowMiB(): RunSummary['memoryMiB'] {
  const m = process.memoryUsage();
  const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
  return {
    rss: mib(m.rss),
    heapTotal: mib(m.heapTotal),
    heapUsed: mib(m.heapUsed),
    external: mib(m.external),
    arrayBuffers: mib(m.arrayBuffers),
  };
}

export async function summarize(input: SummaryInput): Promise<RunSummary> {
  const { results, elapsedMs, local } = input;
  const videos = results.ok + results.dead;
  const decode = (await sumsOf(input.metrics.decodeSeconds)).get('');
  const { plan } = local;
  const decodeMs = local.decode?.decodeMs;
  const capacity = capacityOf(input);
  return {
    videos,
    ok: results.ok,
    dead: results.dead,
    elapsedMs: Math.round(elapsedMs),
    videosPerSecond: round(videos / Math.max(elapsedMs / 1000, 1e-3)),
    cpuMsPerVideo: round(input.cpuMs / Math.max(1, videos), 3),
    ...(input.offeredVps !== undefined ? { offeredVps: round(input.offeredVps) } : {}),
    latencyMs: {
      p50: Math.round(results.latencies.percentile(50)),
      p99: Math.round(results.latencies.percentile(99)),
    },
    meanBatchSize: await meanBatchSizes(input.metrics),
    meanDecodeMs: decode?.count ? Math.round((1000 * decode.sum) / decode.count) : 0,
    deadLetters: Object.fromEntries(results.deadLetterReasons),
    plan: {
      gpuProduct: plan.gpuProduct,
      devices: plan.gpus,
      plannedVps: round(local.plannedVps),
      sloMs: local.config.latency.sloMs,
      capacityVps: round(Math.min(...plan.stages.map((s) => s.capacityVps))),
      stages: plan.stages.map((s) => ({
        name: s.name,
        batchSize: s.batchSize,
        batchCap: local.config.stages.find((c) => c.name === s.name)?.batchSize ?? s.batchSize,
        replicas: s.replicas,
        latencyBudgetMs: s.latencyBudgetMs,
      })),
    },
    predicted: {
      ...capacity,
      capacityVps: round(capacity.capacityVps),
      ...(capacity.ingestCapacityVps !== undefined
        ? { ingestCapacityVps: round(capacity.ingestCapacityVps) }
        : {}),
      stageCapacityVps: Object.fromEntries(
        Object.entries(capacity.stageCapacityVps).map(([k, v]) => [k, round(v)]),
      ),
      ...(decodeMs !== undefined ? { decodeMs: Math.round(decodeMs) } : {}),
      ...(local.decode ? { ingestCpuMs: Math.round(local.decode.cpuMs * 10) / 10 } : {}),
      latencyMs: Math.round(predictLatencyMsOf(local.config, decodeMs ?? 0)),
    },
    peakRssMiB: input.peakRssMiB,
    memoryMiB: memoryNowMiB(),
    notes: local.notes,
  };
}

interface ReadLine {
  text: string;
  score: number;
  frames: number[];
}

const isLines = (o: unknown): o is { lines: ReadLine[] } =>
  typeof o === 'object' && o !== null && Array.isArray((o as { lines?: unknown }).lines);
const isItems = (o: unknown): o is { items: unknown[] } =>
  typeof o === 'object' && o !== null && Array.isArray((o as { items?: unknown }).items);

function labelsOf(result: Record<string, unknown>): string {
  return Object.entries(result)
    .map(([stage, output]) => {
      if (isLines(output))
        return `${stage}=${output.lines.length} line${output.lines.length === 1 ? '' : 's'}`;
      if (isItems(output))
        return `${stage}=${output.items.length} item${output.items.length === 1 ? '' : 's'}`;
      const o = output as { label?: unknown; scores?: unknown };
      return `${stage}=${typeof o?.label === 'string' ? o.label : JSON.stringify(o?.scores ?? o)}`;
    })
    .join(' ');
}

/** A gather's text lines, one per row under the video's: what was read, how sure, on which frames. */
function textLinesOf(result: Record<string, unknown>): string {
  return Object.values(result)
    .filter(isLines)
    .flatMap((o) => o.lines)
    .map(
      (l) => `    ${JSON.stringify(l.text)}  (score ${l.score.toFixed(2)}, frames ${l.frames.join(',')})\n`,
    )
    .join('');
}

export const tableHeader = `${'VIDEO'.padEnd(32)} ${'SOURCE'.padEnd(36)} ${'STATUS'.padEnd(6)} RESULT\n`;

export function formatRow(row: VideoRow, format: OutputFormat): string {
  if (format === 'json') {
    const { videoId, source, status, result, reason } = row;
    return `${JSON.stringify({ videoId, source, status, result, ...(reason ? { reason } : {}) })}\n`;
  }
  const what =
    row.status === 'ok'
      ? labelsOf(row.result)
      : `${row.reason} at ${row.stage}: ${(row.error ?? '').replace(/\s+/g, ' ').slice(0, 100)}`;
  const lines = row.status === 'ok' ? textLinesOf(row.result) : '';
  // Names and messages come from the user's files: escaped, so none can break or fake a row.
  return `${printable(row.videoId).padEnd(32)} ${printable(row.source).padEnd(36)} ${row.status.padEnd(6)} ${printable(what)}\n${lines}`;
}

function predictedLine(p: RunSummary['predicted']): string {
  if (p.parts) {
    const named: [string, PartCost][] = [
      ['ingest', p.parts.ingest],
      ...Object.entries(p.parts.stages),
      ['plumbing', p.parts.plumbing],
    ];
    const each = named.map(([n, c]) => `${n} ${c.cpuMs}/${c.mainMs}`);
    return `predicted ${p.capacityVps} videos/s (bound by ${p.boundBy}; CPU/main-thread ms per video measured alone: ${each.join(', ')}; cores allow ${p.cpuBoundVps}, the main thread ${p.mainThreadBoundVps}), latency ${p.latencyMs} ms`;
  }
  const bound = p.boundBy === 'ingest' ? 'ingest-bound' : `stage-bound: ${p.boundBy}`;
  const parts = [
    ...(p.ingestCapacityVps !== undefined
      ? [`ingest ${p.ingestCapacityVps} (decode ${p.decodeMs} ms, ${p.ingestCpuMs} ms CPU)`]
      : ['ingest not measured']),
    ...Object.entries(p.stageCapacityVps).map(([stage, vps]) => `${stage} ${vps}`),
  ];
  return `predicted ${p.capacityVps} videos/s (${bound}; ${parts.join(', ')} videos/s), latency ${p.latencyMs} ms`;
}

export function formatSummary(summary: RunSummary, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify({ summary })}\n`;
  const s = summary;
  const lines = [
    '',
    `videos ${s.videos}: ${s.ok} ok, ${s.dead} dead in ${(s.elapsedMs / 1000).toFixed(2)} s = ${s.videosPerSecond} videos/s, ${s.cpuMsPerVideo} CPU ms per video`,
    `latency p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms; mean decode ${s.meanDecodeMs} ms; peak RSS ${s.peakRssMiB} MiB${s.offeredVps !== undefined ? `; offered ${s.offeredVps} videos/s` : ''}`,
    predictedLine(s.predicted),
    `plan: ${s.plan.devices} × ${s.plan.gpuProduct} for ${s.plan.plannedVps} videos/s (capacity ${s.plan.capacityVps} videos/s, p99 SLO ${s.plan.sloMs} ms)`,
    `${'STAGE'.padEnd(12)} ${'BUDGET'.padStart(9)} ${'PLANNED BATCH'.padStart(13)} ${'CAP'.padStart(4)} ${'MEAN BATCH'.padStart(10)} ${'REPLICAS'.padStart(8)}`,
    ...s.plan.stages.map(
      (st) =>
        `${st.name.padEnd(12)} ${`${st.latencyBudgetMs} ms`.padStart(9)} ${String(st.batchSize).padStart(13)} ${String(st.batchCap).padStart(4)} ${String(s.meanBatchSize[st.name] ?? 0).padStart(10)} ${String(st.replicas).padStart(8)}`,
    ),
    `dead letters: ${
      Object.entries(s.deadLetters)
        .map(([reason, n]) => `${reason} ${n}`)
        .join(', ') || 'none'
    }`,
    ...s.notes.map((n) => `note: ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}
