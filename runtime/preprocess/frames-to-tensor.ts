// Frames (uint8 RGB, [F, H, W, 3]) → one item's normalised float tensor in the model's layout.
// Pure and synchronous: the worker pool runs it off the main thread.
import { StageError } from '../inference/errors.ts';
import type { FrameInputSpec, Frames } from './input-spec.ts';

/** `count` indices spread uniformly over `total` frames (centre of each equal segment). */
export function pickFrames(total: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * total) / count));
}

function check(frames: Frames, spec: FrameInputSpec): void {
  const [f, h, w, c] = frames.dims;
  if (c !== 3 || frames.data.length !== f * h * w * 3) {
    throw new StageError(
      'InputMismatch',
      `frames must be uint8 RGB [F, H, W, 3], got [${frames.dims.join(', ')}]`,
    );
  }
  if (h !== spec.height || w !== spec.width) {
    throw new StageError(
      'InputMismatch',
      `frames are ${w}x${h}, the model input wants ${spec.width}x${spec.height} (set the pipeline's sampling size to match)`,
    );
  }
  if (f < spec.frames) {
    throw new StageError('InputMismatch', `the model wants ${spec.frames} frames, only ${f} were sampled`);
  }
}

/**
 * uint8 → normalised float per channel, as 256-entry tables: (v/255 − mean) / std is then one
 * lookup per value instead of a multiply-add, and the tables are shared by every frame.
 */
function channelTables(spec: FrameInputSpec): [Float32Array, Float32Array, Float32Array] {
  const table = (c: number) => {
    const t = new Float32Array(256);
    const std = spec.std?.[c] ?? 1;
    const mean = spec.mean?.[c] ?? 0;
    for (let v = 0; v < 256; v++) t[v] = (v / 255 - mean) / std;
    return t;
  };
  return [table(0), table(1), table(2)];
}

/**
 * One item's tensor, written into `into` when given (a slot of a shared batch buffer: the tensor
 * then needs no copy to join its batch), else into a new array.
 */
export function framesToTensor(frames: Frames, spec: FrameInputSpec, into?: Float32Array): Float32Array {
  check(frames, spec);
  const [total, h, w] = frames.dims;
  const plane = h * w;
  const size = spec.frames * 3 * plane;
  if (into && into.length !== size)
    throw new Error(`preprocess target holds ${into.length} values, the item needs ${size}`);
  const out = into ?? new Float32Array(size);
  const [r, g, b] = channelTables(spec);
  const src = frames.data;
  pickFrames(total, spec.frames).forEach((frame, k) => {
    // NFCHW / NCHW: [k][c][plane]; NCFHW: [c][k][plane]. One pass over the interleaved RGB
    // pixels (sequential reads), writing the three planes.
    const dr = spec.layout === 'NCFHW' ? k * plane : k * 3 * plane;
    const step = spec.layout === 'NCFHW' ? spec.frames * plane : plane;
    const dg = dr + step;
    const db = dg + step;
    let at = frame * plane * 3;
    for (let p = 0; p < plane; p++, at += 3) {
      out[dr + p] = r[src[at]!]!;
      out[dg + p] = g[src[at + 1]!]!;
      out[db + p] = b[src[at + 2]!]!;
    }
  });
  return out;
}

/** input.source = stages: the upstream score vectors concatenated in the stage's input order. */
export function stagesToTensor(scores: readonly (readonly number[])[], total?: number): Float32Array {
  const row = scores.flat();
  if (total !== undefined && row.length !== total) {
    throw new StageError(
      'InputMismatch',
      `upstream scores have ${row.length} values, the model wants ${total}`,
    );
  }
  if (row.some((v) => !Number.isFinite(v)))
    throw new StageError('InputMismatch', 'upstream scores are not finite numbers');
  return Float32Array.from(row);
}
