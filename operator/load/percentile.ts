// Latency percentiles from output records (pure). A record's end-to-end latency is its Kafka
// timestamp (when the sink produced it) minus the message's ingestedAtMs (when ingest took the
// video): DESIGN.md "The runtime", API.md latencySLO "from ingest to result on the output topic".

import type { TimedRecord } from '../../kafka/recent-records.ts';

export type { TimedRecord };

/** Nearest-rank percentile (p in (0, 100]) of `values`; undefined for none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** End-to-end latencies (ms, never negative) of the records that carry a numeric ingestedAtMs. */
export function latenciesMs(records: readonly TimedRecord[]): number[] {
  const out: number[] = [];
  for (const r of records) {
    let ingestedAtMs: unknown;
    try {
      ingestedAtMs = (JSON.parse(r.value) as { ingestedAtMs?: unknown })?.ingestedAtMs;
    } catch {
      continue;
    }
    if (typeof ingestedAtMs === 'number' && Number.isFinite(ingestedAtMs) && Number.isFinite(r.timestampMs))
      out.push(Math.max(0, r.timestampMs - ingestedAtMs));
  }
  return out;
}

/** p99 end-to-end latency of the records, rounded to whole ms; undefined without any. */
export function p99LatencyMs(records: readonly TimedRecord[]): number | undefined {
  const p = percentile(latenciesMs(records), 99);
  return p === undefined ? undefined : Math.round(p);
}
