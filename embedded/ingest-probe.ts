// The ingest side of the local prediction: how long this machine takes to decode a video as the
// pipeline will (the same ingestor options, `decodeConcurrency` decodes at once, so that the
// decoders' contention for the cores is in the number). One warm-up decode, then one round of
// `decodeConcurrency` parallel decodes of the same clip; a few hundred ms at start-up.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RuntimeConfig } from '../contract/runtime-config.ts';
import { openFrameStore } from '../runtime/framestore/open.ts';
import { createIngestor } from '../runtime/ingest/ingestor.ts';
import { ingestOptionsFromConfig } from '../runtime/ingest/options-from-config.ts';

export interface DecodeProbe {
  /** Mean wall time of one decode while `concurrency` run at once, ms. */
  decodeMs: number;
  concurrency: number;
  /** Videos per second the round achieved: concurrency / its wall time. */
  capacityVps: number;
}

/** Decodes `uri` as the embedded pipeline would; throws if it is not a video. */
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
    await once(0);
    const roundStartMs = nowMs();
    const times = await Promise.all(Array.from({ length: concurrency }, (_, i) => once(i + 1)));
    const roundMs = Math.max(1e-3, nowMs() - roundStartMs);
    return {
      decodeMs: times.reduce((a, b) => a + b, 0) / times.length,
      concurrency,
      capacityVps: (concurrency * 1000) / roundMs,
    };
  } finally {
    await closeIngestor();
    await rm(root, { recursive: true, force: true });
  }
}
