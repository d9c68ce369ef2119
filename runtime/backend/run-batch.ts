// Runs one batch of a session through its model. A batch that fails is retried item by item, so
// one bad video cannot sink its neighbours; an item that fails alone is rejected with a reason.

import type { Clock } from '../clock.ts';
import { StageError } from '../inference/errors.ts';
import { rowsOf } from '../inference/onnx-model.ts';
import { batchDims, rowsPerItem } from '../preprocess/input-spec.ts';
import { emulationPadMs } from './device-emulation.ts';
import type { HostedSession, QueueEntry } from './hosted-session.ts';
import { joinTensors } from './tensor-slab.ts';

export interface BatchObserver {
  batch(stage: string, size: number, latencyMs: number): void;
  done(stage: string, entry: QueueEntry, startMs: number, finishMs: number): void;
}

function asStageError(err: unknown): StageError {
  if (err instanceof StageError) return err;
  return new StageError('InferenceFailed', (err as Error)?.message ?? String(err), { cause: err });
}

async function runOnce(session: HostedSession, entries: QueueEntry[], tensors: Float32Array[], clock: Clock) {
  const { config } = session;
  const width = tensors[0]?.length ?? 0;
  if (tensors.some((t) => t.length !== width))
    throw new StageError('InputMismatch', 'items in a batch differ in size');
  // Items written side by side into the session's slab are the batch as they lie (no copy).
  const data = joinTensors(tensors, session.scratch);
  const dims =
    config.input.source === 'frames' ? batchDims(config.input, entries.length) : [entries.length, width];
  const startMs = clock.nowMs();
  const out = await config.model.run({ [session.inputName]: { data, dims } }, [session.outputName]);
  if (config.emulateDeviceLatency && config.profile) {
    const padMs = emulationPadMs(config.profile, entries.length, clock.nowMs() - startMs);
    if (padMs > 0) await clock.sleep(padMs);
  }
  const latencyMs = clock.nowMs() - startMs;
  const tensor = out[session.outputName];
  const perItem = rowsPerItem(config.input);
  const rows = tensor ? rowsOf(tensor) : [];
  if (rows.length !== entries.length * perItem) {
    throw new StageError('InferenceFailed', `model returned ${rows.length} rows for ${entries.length} items`);
  }
  const outputs = entries.map((entry, i) =>
    session.decoder.decode(rows.slice(i * perItem, (i + 1) * perItem), {
      dims: tensor?.dims ?? [],
      storedFrames: entry.item.frames?.dims[0] ?? perItem,
    }),
  );
  return { outputs, latencyMs };
}

export async function runBatch(
  session: HostedSession,
  entries: QueueEntry[],
  clock: Clock,
  observer: BatchObserver,
): Promise<void> {
  const startMs = clock.nowMs();
  const settled = await Promise.allSettled(entries.map((e) => e.tensor));
  const ready: QueueEntry[] = [];
  const tensors: Float32Array[] = [];
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') {
      ready.push(entries[i]!);
      tensors.push(s.value);
    } else entries[i]!.reject(asStageError(s.reason));
  });
  if (ready.length === 0) return;
  try {
    const { outputs, latencyMs } = await runOnce(session, ready, tensors, clock);
    session.record({ batchSize: ready.length, latencyMs });
    observer.batch(session.config.stage, ready.length, latencyMs);
    const finishMs = clock.nowMs();
    ready.forEach((entry, i) => {
      observer.done(session.config.stage, entry, startMs, finishMs);
      entry.resolve(outputs[i]!);
    });
  } catch (err) {
    if (ready.length === 1) {
      ready[0]!.reject(asStageError(err));
      return;
    }
    for (let i = 0; i < ready.length; i++) {
      const entry = ready[i]!;
      await runBatch(session, [{ ...entry, tensor: Promise.resolve(tensors[i]!) }], clock, observer);
    }
  }
}
