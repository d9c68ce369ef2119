// What `vpo run` prints: one row per video as it settles (a table line, or one JSON object per
// line), then a summary (throughput, latency percentiles, batch sizes, dead letters, the plan).
import type { Plan } from '../../operator/planner/types.ts';
import type { RuntimeMetrics } from '../http/metrics.ts';
import { percentile, type RunResults, type VideoRow } from './run-results.ts';

export type OutputFormat = 'table' | 'json';

export interface RunSummary {
  videos: number;
  ok: number;
  dead: number;
  elapsedMs: number;
  videosPerSecond: number;
  latencyMs: { p50: number; p99: number };
  meanBatchSize: Record<string, number>;
  deadLetters: Record<string, number>;
  plan: {
    gpuProduct: string;
    devices: number;
    plannedVps: number;
    /** The pipeline's latencySLO.p99Ms: what the plan promises for p99. */
    sloMs: number;
    /** The planned pipeline's capacity: the slowest stage's capacityVps. */
    capacityVps: number;
    stages: { name: string; batchSize: number; replicas: number; latencyBudgetMs: number }[];
  };
  peakRssMiB: number;
  notes: string[];
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** Mean items per executed batch, by stage, from the batch-size histogram. */
export async function meanBatchSizes(
  metrics: Pick<RuntimeMetrics, 'batchSize'>,
): Promise<Record<string, number>> {
  const sums = new Map<string, { sum: number; count: number }>();
  for (const v of (await metrics.batchSize.get()).values) {
    const stage = String(v.labels.stage ?? '');
    const entry = sums.get(stage) ?? { sum: 0, count: 0 };
    if (v.metricName?.endsWith('_sum')) entry.sum = v.value;
    else if (v.metricName?.endsWith('_count')) entry.count = v.value;
    else continue;
    sums.set(stage, entry);
  }
  return Object.fromEntries([...sums].map(([stage, s]) => [stage, s.count ? round(s.sum / s.count) : 0]));
}

export function summarize(
  results: RunResults,
  elapsedMs: number,
  plan: Plan,
  plannedVps: number,
  sloMs: number,
  meanBatchSize: Record<string, number>,
  peakRssMiB: number,
  notes: string[],
): RunSummary {
  const videos = results.ok + results.dead;
  return {
    videos,
    ok: results.ok,
    dead: results.dead,
    elapsedMs: Math.round(elapsedMs),
    videosPerSecond: round(videos / Math.max(elapsedMs / 1000, 1e-3)),
    latencyMs: {
      p50: Math.round(percentile(results.latenciesMs, 50)),
      p99: Math.round(percentile(results.latenciesMs, 99)),
    },
    meanBatchSize,
    deadLetters: Object.fromEntries(results.deadLetterReasons),
    plan: {
      gpuProduct: plan.gpuProduct,
      devices: plan.gpus,
      plannedVps: round(plannedVps),
      sloMs,
      capacityVps: round(Math.min(...plan.stages.map((s) => s.capacityVps))),
      stages: plan.stages.map((s) => ({
        name: s.name,
        batchSize: s.batchSize,
        replicas: s.replicas,
        latencyBudgetMs: s.latencyBudgetMs,
      })),
    },
    peakRssMiB,
    notes,
  };
}

function labelsOf(result: Record<string, unknown>): string {
  return Object.entries(result)
    .map(([stage, output]) => {
      const o = output as { label?: unknown; scores?: unknown };
      return `${stage}=${typeof o?.label === 'string' ? o.label : JSON.stringify(o?.scores ?? o)}`;
    })
    .join(' ');
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
  return `${row.videoId.padEnd(32)} ${row.source.padEnd(36)} ${row.status.padEnd(6)} ${what}\n`;
}

export function formatSummary(summary: RunSummary, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify({ summary })}\n`;
  const s = summary;
  const lines = [
    '',
    `videos ${s.videos}: ${s.ok} ok, ${s.dead} dead in ${(s.elapsedMs / 1000).toFixed(2)} s = ${s.videosPerSecond} videos/s`,
    `latency p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms; peak RSS ${s.peakRssMiB} MiB`,
    `plan: ${s.plan.devices} × ${s.plan.gpuProduct} for ${s.plan.plannedVps} videos/s (capacity ${s.plan.capacityVps} videos/s, p99 SLO ${s.plan.sloMs} ms)`,
    `${'STAGE'.padEnd(12)} ${'BUDGET'.padStart(9)} ${'PLANNED BATCH'.padStart(13)} ${'MEAN BATCH'.padStart(10)} ${'REPLICAS'.padStart(8)}`,
    ...s.plan.stages.map(
      (st) =>
        `${st.name.padEnd(12)} ${`${st.latencyBudgetMs} ms`.padStart(9)} ${String(st.batchSize).padStart(13)} ${String(s.meanBatchSize[st.name] ?? 0).padStart(10)} ${String(st.replicas).padStart(8)}`,
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
