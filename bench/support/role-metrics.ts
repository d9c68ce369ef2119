// What a running role process's /metrics says, for the benchmarks that start real ingest and
// backend processes (plan-fidelity): where a video's time went, and how many messages each stage
// handled.
import type { RoleProcess } from '../../scripts/kafka-pipeline.ts';

/** Mean decode time (ingest), and per stage mean batch, queue delay and batch time (backends). */
export async function whereTimeGoes(roles: RoleProcess[]): Promise<string[]> {
  const out: string[] = [];
  for (const role of roles) {
    const text = await (await fetch(`${role.url}/metrics`)).text();
    const value = (name: string, stage?: string) => {
      const line = text
        .split('\n')
        .find(
          (l) => l.startsWith(name) && (stage ? l.includes(`stage="${stage}"`) : true) && !l.startsWith('#'),
        );
      const m = line ? / ([\d.e+-]+)$/.exec(line) : null;
      return m ? Number(m[1]) : 0;
    };
    const mean = (name: string, stage?: string) => {
      const count = value(`${name}_count`, stage);
      return count > 0 ? value(`${name}_sum`, stage) / count : 0;
    };
    const decodes = value('vpo_decode_seconds_count');
    if (decodes > 0)
      out.push(
        `${role.url} ingest: ${decodes} videos, decode ${(1000 * mean('vpo_decode_seconds')).toFixed(0)} ms`,
      );
    const stages = new Set(
      [...text.matchAll(/vpo_batch_size_count\{[^}]*stage="([^"]+)"/g)].map((m) => m[1]!),
    );
    for (const stage of stages)
      out.push(
        `${role.url} ${stage}: batch ${mean('vpo_batch_size', stage).toFixed(1)}, queue ${(1000 * mean('vpo_queue_delay_seconds', stage)).toFixed(0)} ms, batch time ${(1000 * mean('vpo_inference_seconds', stage)).toFixed(0)} ms`,
      );
  }
  return out;
}

/** Messages a role process has handled per stage (vpo_processed_total, summed per stage). */
export async function processedByStage(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  // Labelled by pipeline and stage (one pipeline here): summed per stage.
  for (const m of text.matchAll(/^vpo_processed_total\{([^}]*)\} ([\d.e+]+)$/gm)) {
    const stage = /(?:^|,)stage="([^"]+)"/.exec(m[1]!)?.[1];
    if (stage) out.set(stage, (out.get(stage) ?? 0) + Number(m[2]));
  }
  return out;
}
