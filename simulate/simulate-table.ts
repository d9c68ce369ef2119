// The table `vpo simulate` prints: per pipeline the plan in one line, then what the simulated run
// measured — videos, SLO attainment, latency percentiles, throughput against the offered rate,
// deadline misses — and per backend group utilisation against the planned occupancy, batch fill
// and how far its pods' received rates were from the plan.
import { formatDecimal } from '../operator/api/quantity.ts';
import { columns } from '../operator/cli/plan-table.ts';
import type { SimulatedPipeline } from './simulate-all.ts';

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export function renderSimulationTable(
  results: readonly SimulatedPipeline[],
  run: { durationS: number; arrivals: string; loadFactor: number; seed: number; planFor: string },
): string {
  const lines: string[] = [
    `simulated ${run.durationS} s, ${run.arrivals} arrivals at ${formatDecimal(run.loadFactor)}× each pipeline's load, seed ${run.seed}; plans made for ${run.planFor} arrivals`,
    '',
  ];
  for (const r of results) {
    const { metadata, status, simulation } = r.output;
    lines.push(`VideoPipeline ${metadata.namespace}/${metadata.name}`);
    const planned = status.conditions.find((c) => c.type === 'Planned');
    if (!simulation || !status.plan) {
      lines.push(`  not simulated: ${planned?.reason ?? 'NotPlanned'}: ${planned?.message ?? ''}`, '');
      continue;
    }
    lines.push(
      `  plan: ${status.plan.gpus} GPU(s) of ${status.plan.gpuProduct} for ${formatDecimal(simulation.plannedVps)} videos/s (load × peakFactor); SLO p99 ${r.sloMs} ms`,
      `  videos ${simulation.videos}, completed ${simulation.completed}, dead-lettered ${simulation.failed}`,
      `  SLO attainment ${pct(simulation.sloAttainment)}   p50 ${simulation.p50Ms} ms   p99 ${simulation.p99Ms} ms`,
      `  throughput ${formatDecimal(simulation.throughputVps)} of ${formatDecimal(simulation.targetVps)} videos/s offered; ${simulation.deadlineMisses} stage deadline misses`,
      '',
    );
    const rows = [
      [
        '  BACKEND',
        'REPLICAS',
        'PLANNED_OCCUPANCY',
        'UTILISATION',
        'BATCH_FILL',
        'RATE_ERROR_MEAN',
        'RATE_ERROR_MAX',
      ],
      ...simulation.backends.map((b) => [
        `  ${b.name}`,
        String(b.replicas),
        b.plannedOccupancy.toFixed(2),
        b.utilisation.toFixed(2),
        b.batchFill.toFixed(2),
        pct(b.meanRateError),
        pct(b.maxRateError),
      ]),
    ];
    lines.push(...columns(rows), '');
  }
  return `${lines.join('\n')}\n`;
}
