// The table a person reads: per stage budget, batch, replicas, rate and capacity; per backend
// group its sessions, duty cycle, occupancy and replicas; the ingest pods; totals; the explanation.
// Then, for a namespace of several pipelines, its shared backend groups and what sharing saved.
import { printable } from '../../contract/printable.ts';
import { formatDecimal } from '../api/quantity.ts';
import type { NamespacePlan } from '../planner/types.ts';
import type { PlanAll, PlanReport } from './plan-all.ts';

/** Left-aligned columns separated by two spaces, like kubectl. */
export function columns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(indent + line);
  return lines;
}

function header(r: PlanReport): string[] {
  const { metadata } = r.output;
  const p = r.request.pipeline;
  const peak = formatDecimal(r.targetVps * p.peakFactor);
  return [
    `VideoPipeline ${metadata.namespace}/${metadata.name}`,
    `  load ${formatDecimal(r.targetVps)} videos/s x peakFactor ${formatDecimal(p.peakFactor)} = ${peak} videos/s; ` +
      `latency SLO p99 ${p.sloMs} ms (ingest ${p.ingestAllowanceMs} ms, ${p.hopAllowanceMs} ms per hop)`,
  ];
}

export function renderReport(r: PlanReport): string {
  const lines = header(r);
  const planned = r.output.status.conditions.find((c) => c.type === 'Planned');
  if (!r.outcome.ok) {
    lines.push(`  NOT PLANNED (${r.outcome.reason}): ${r.outcome.message}`);
    return lines.map(printable).join('\n');
  }
  const plan = r.outcome.plan;
  lines.push(`  Planned: ${planned?.message ?? ''}`, '');
  const stageRows = [
    ['STAGE', 'SESSION', 'BUDGET_MS', 'BATCH', 'REPLICAS', 'RATE_VPS', 'CAPACITY_VPS', 'GPU_SHARE'],
  ];
  for (const s of plan.stages) {
    stageRows.push([
      s.name,
      s.session,
      String(Math.round(s.latencyBudgetMs)),
      String(s.batchSize),
      String(s.replicas),
      formatDecimal(s.rateVps),
      formatDecimal(s.capacityVps),
      formatDecimal(s.gpuShare),
    ]);
  }
  lines.push(...columns(stageRows).map((l) => `  ${l}`), '');
  const own = r.output.metadata.name;
  const backendRows = [
    ['BACKEND', 'GPU', 'REPLICAS', 'DUTY_CYCLE_MS', 'OCCUPANCY', 'MEMORY_MIB', 'SESSIONS (per replica)'],
  ];
  for (const b of plan.backends) {
    backendRows.push([
      b.name,
      b.gpuProduct,
      String(b.replicas),
      formatDecimal(b.dutyCycleMicros / 1000, 1),
      formatDecimal(b.occupancy),
      String(Math.round(b.memoryMiB)),
      b.sessions
        .map(
          (s) =>
            `${s.pipeline === own ? '' : `${s.pipeline}/`}${s.stage} batch ${s.batchSize} @ ${formatDecimal(s.rateVps)}/s`,
        )
        .join(', '),
    ]);
  }
  lines.push(...columns(backendRows).map((l) => `  ${l}`), '');
  const ratio = plan.lowerBoundGpus > 0 ? formatDecimal(plan.gpus / plan.lowerBoundGpus) : '-';
  const perPod =
    plan.ingest.capacityVps !== undefined
      ? ` at ${formatDecimal(plan.ingest.capacityVps)} videos/s each`
      : '';
  lines.push(
    `  INGEST ${plan.ingest.replicas} pod(s)${perPod} (CPU only)`,
    plan.sharedWith.length > 0
      ? `  TOTAL  ${plan.gpus} GPU(s) ${plan.gpuProduct} shared with ${plan.sharedWith.join(', ')}; its share ${formatDecimal(plan.gpuShare)}; alone ${plan.gpusAlone}; lower bound ${formatDecimal(plan.lowerBoundGpus)}`
      : `  TOTAL  ${plan.gpus} GPU(s) ${plan.gpuProduct}; lower bound ${formatDecimal(plan.lowerBoundGpus)}; ratio ${ratio}`,
    '',
    ...wrap(plan.explanation, 100, '  '),
  );
  return lines.map(printable).join('\n');
}

/** A namespace of several pipelines: its backend groups, shared ones first, and the totals. */
export function renderNamespace(ns: NamespacePlan): string {
  const t = ns.totals;
  const lines = [`Namespace ${ns.namespace}: ${t.pipelines} pipeline(s) planned together`, ''];
  const rows = [
    [
      'GROUP',
      'GPU',
      'REPLICAS',
      'PIPELINES',
      'DUTY_CYCLE_MS',
      'OCCUPANCY',
      'MEMORY_MIB',
      'SESSIONS (per replica)',
    ],
  ];
  const groups = [...ns.backends].sort((a, b) => b.pipelines.length - a.pipelines.length);
  for (const b of groups) {
    rows.push([
      b.name,
      b.gpuProduct,
      String(b.replicas),
      b.pipelines.join(','),
      formatDecimal(b.dutyCycleMicros / 1000, 1),
      formatDecimal(b.occupancy),
      String(Math.round(b.memoryMiB)),
      b.sessions
        .map((s) => `${s.pipeline}/${s.stage} batch ${s.batchSize} @ ${formatDecimal(s.rateVps)}/s`)
        .join(', '),
    ]);
  }
  const shared = ns.backends.filter((b) => b.pipelines.length > 1);
  const sharedGpus = shared.reduce((n, b) => n + b.replicas, 0);
  const ratio = t.lowerBoundGpus > 0 ? formatDecimal(t.gpus / Math.ceil(t.lowerBoundGpus - 1e-9)) : '-';
  lines.push(
    ...columns(rows).map((l) => `  ${l}`),
    '',
    `  SHARED ${shared.length} group(s) on ${sharedGpus} GPU(s) serve several pipelines`,
    `  TOTAL  ${t.gpus} GPU(s) shared; ${t.gpusAlone} GPU(s) if each pipeline were planned alone (${t.gpusAlone - t.gpus} saved); lower bound ${formatDecimal(t.lowerBoundGpus)}; ratio to ⌈lower bound⌉ ${ratio}`,
    '',
    ...wrap(ns.explanation, 100, '  '),
  );
  return lines.map(printable).join('\n');
}

export function renderTable({ reports, namespaces }: PlanAll): string {
  if (reports.length === 0) return 'no VideoPipeline found in the given files\n';
  const sections = reports.map(renderReport);
  for (const ns of namespaces) if (ns.totals.pipelines > 1) sections.push(renderNamespace(ns));
  return `${sections.join('\n\n')}\n`;
}
