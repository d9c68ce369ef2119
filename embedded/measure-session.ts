// Measures a ModelSession's latency on this machine at start-up (`vpo run --profile`, or a
// session without a profile for the local device), with the same code as `vpo profile`. Kept
// short: three batch sizes at most (1, 8, 32, capped at the session's maxBatchSize; the planner
// interpolates between them and never extrapolates past the largest), three timed runs each.
// Batch sizes count the session's items (videos): an NCHW model with frames folded into its batch
// runs frames × b rows for b of them.
import type { ModelSession } from '../contract/crd-types.generated.ts';
import type { ExecutionProvider } from '../contract/runtime-config.ts';
import { hostMemoryMeter } from '../runtime/inference/memory-meter.ts';
import { modelPath } from '../runtime/inference/model-path.ts';
import { loadModel } from '../runtime/inference/onnx-model.ts';
import { profileModel } from '../runtime/inference/profile.ts';

const REPEATS = 3;

export function profileBatches(maxBatchSize: number): number[] {
  return [...new Set([1, 8, 32].map((b) => Math.max(1, Math.min(b, maxBatchSize))))];
}

/** The input shape without the batch dim, from the session's input spec (frames layouts only). */
function inputShape(session: ModelSession): number[] | undefined {
  const i = session.spec.input;
  if (i.source === 'stages') return undefined;
  const f = i.frames ?? 1;
  const [h, w] = [i.height ?? 224, i.width ?? 224];
  if (i.layout === 'NCFHW') return [3, f, h, w];
  if (i.layout === 'NCHW') return [3, h, w];
  return [f, 3, h, w];
}

export async function measureSession(
  session: ModelSession,
  modelRoot: string,
  provider: ExecutionProvider,
): Promise<{ batchSize: number; latencyMicros: number }[]> {
  const model = await loadModel({ path: modelPath(session.spec.model.uri, modelRoot), provider });
  try {
    const shape = inputShape(session);
    // NCHW folds a video's frames into the model's batch: b videos are b × frames model rows.
    const fold = session.spec.input.layout === 'NCHW' ? (session.spec.input.frames ?? 1) : 1;
    const batches = profileBatches(session.spec.batching.maxBatchSize);
    const points = await profileModel(model, {
      batches: batches.map((b) => b * fold),
      repeats: REPEATS,
      ...(shape ? { shape } : {}),
      memory: hostMemoryMeter(),
    });
    return points.map((p) => ({ batchSize: p.batchSize / fold, latencyMicros: p.latencyMicros }));
  } finally {
    await model.close();
  }
}
