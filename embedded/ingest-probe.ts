// The ingest side of the local prediction: what decoding a video costs this machine as the
// pipeline will decode it (the same ingestor options), as CPU time per video, the measure the
// planner sizes ingest pods by (vpo profile --ingest). Every decode worker is started and warmed
// first (a worker's start-up, loading FFmpeg's libraries, is not a video's cost), then a round of
// 2 × `concurrency` ingests runs `concurrency` at a time while the process's CPU time is counted.
// The machine's capacity for ingest is then `concurrency` cores over that CPU time; the wall time
// of the round's ingests is kept for the latency prediction. A few hundred ms at start-up.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RuntimeConfig } from '../contract/runtime-config.ts';
import { openFrameStore } from '../runtime/framestore/open.ts';
import { createIngestor } from '../runtime/ingest/ingestor.ts';
import { ingestOptionsFromConfig } from '../runtime/ingest/options-from-config.ts';

export interface DecodeProbe {
  /** Mean wall time of one ingest while `concurrency` run at once, ms. */
  decodeMs: number;
  /** Mean CPU time of one ingest (decode worker and main thread), ms. */
  cpuMs: number;
  concurrency: number;
  /** Videos per second `concurrency` cores can ingest: concurrency × 1000 / cpuMs. */
  capacityVps: number;
}

/** Ingests `uri` as the embedded pipeline would; throws if it is not a video. */
export async function probeDecode(
  config: RuntimeConfig,
  uri: string,
  concurrency: number,
  nowMs: () => number = () => performance.now(),
): Promise<DecodeProbe> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'vpo-probe-'));
  let closeIngestor = async () => {};
  try {
    const frameStore = await openFrameStore({ kind: 'dir', root }, 60);
    const ingestor = createIngestor(ingestOptionsFromConfig(config, root, concurrency), { frameStore });
    closeIngestor = () => ingestor.close();
    const once = async (i: number) => {
      const startMs = nowMs();
      const { frameRef } = await ingestor.ingest({ videoId: `probe-${i}`, uri });
      const ms = nowMs() - startMs;
      await frameStore.release(frameRef);
      return ms;
    };
    const round = (first: number) =>
      Promise.all(Array.from({ length: concurrency }, (_, i) => once(first + i)));
    await round(0); // starts and warms every worker
    const cpuBefore = process.cpuUsage();
    const times = [...(await round(concurrency)), ...(await round(2 * concurrency))];
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = Math.max(1e-3, (cpu.user + cpu.system) / 1000 / times.length);
    return {
      decodeMs: times.reduce((a, b) => a + b, 0) / times.length,
      cpuMs,
      concurrency,
      capacityVps: (concurrency * 1000) / cpuMs,
    };
  } finally {
    await closeIngestor();
    await rm(root, { recursive: true, force: true });
  }
}
