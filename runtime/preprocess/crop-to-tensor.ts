// One item's region of the stored frames → the model's input tensor (crop by reference: the
// message names the frame and box, the pixels come from the frame store). The crop is cut on the
// caller's side (`cropRegion`: only the box's bytes travel to the worker thread), then resized
// bilinearly and normalised:
// - `keepAspect`: the crop is scaled to the input's height, its width following the aspect
//   ratio up to the input's width (squeezed beyond), and the rest padded with 0 after
//   normalisation, as text recognisers are trained (PaddleOCR's resize_norm_img);
// - `stretch`: scaled to exactly width × height.
import type { ResizeMode } from '../../contract/runtime-config.ts';
import { StageError } from '../inference/errors.ts';
import type { FrameInputSpec, Frames } from './input-spec.ts';

export type { ResizeMode };

export interface Region {
  /** Index into the stored frames. */
  frame: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The region's pixels as a one-frame Frames ([1, h, w, 3]); a region outside the frames is InputMismatch. */
export function cropRegion(frames: Frames, region: Region): Frames {
  const [count, h, w] = frames.dims;
  const { frame, x, y, width, height } = region;
  const whole = [frame, x, y, width, height].every(Number.isInteger);
  if (!whole || frame < 0 || frame >= count || x < 0 || y < 0 || width < 1 || height < 1) {
    throw new StageError('InputMismatch', `region ${JSON.stringify(region)} is not a box in ${count} frames`);
  }
  if (x + width > w || y + height > h) {
    throw new StageError('InputMismatch', `region ${JSON.stringify(region)} exceeds the ${w}x${h} frames`);
  }
  const out = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const from = ((frame * h + y + row) * w + x) * 3;
    out.set(frames.data.subarray(from, from + width * 3), row * width * 3);
  }
  return { data: out, dims: [1, height, width, 3] };
}

/** Width the crop is scaled to inside the input (the rest is padding). */
export function scaledWidth(cropW: number, cropH: number, spec: FrameInputSpec, mode: ResizeMode): number {
  if (mode === 'stretch') return spec.width;
  return Math.max(1, Math.min(spec.width, Math.ceil((spec.height * cropW) / cropH)));
}

/** A one-frame crop → [3, H, W] normalised (NCHW item; frames other than 1 make no sense here). */
export function cropToTensor(
  crop: Frames,
  spec: FrameInputSpec,
  mode: ResizeMode,
  into?: Float32Array,
): Float32Array {
  const [f, h, w, c] = crop.dims;
  if (f !== 1 || c !== 3 || crop.data.length !== h * w * 3)
    throw new StageError(
      'InputMismatch',
      `a crop must be one uint8 RGB frame, got [${crop.dims.join(', ')}]`,
    );
  if (spec.frames !== 1)
    throw new StageError('InputMismatch', `a stage reading regions takes input.frames 1, not ${spec.frames}`);
  const outW = spec.width;
  const outH = spec.height;
  const plane = outW * outH;
  if (into && into.length !== 3 * plane)
    throw new Error(`preprocess target holds ${into.length} values, the item needs ${3 * plane}`);
  // A reused target (a slab slot) still holds an earlier item: the padding is written as 0.
  const out = into ? into.fill(0) : new Float32Array(3 * plane);
  const sw = scaledWidth(w, h, spec, mode);
  const scale = [0, 1, 2].map((ch) => 1 / 255 / (spec.std?.[ch] ?? 1));
  const offset = [0, 1, 2].map((ch) => -(spec.mean?.[ch] ?? 0) / (spec.std?.[ch] ?? 1));
  const src = crop.data;
  for (let oy = 0; oy < outH; oy++) {
    // Pixel centres aligned (as OpenCV's INTER_LINEAR), clamped at the edges.
    const fy = Math.min(h - 1, Math.max(0, ((oy + 0.5) * h) / outH - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(h - 1, y0 + 1);
    const wy = fy - y0;
    for (let ox = 0; ox < sw; ox++) {
      const fx = Math.min(w - 1, Math.max(0, ((ox + 0.5) * w) / sw - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(w - 1, x0 + 1);
      const wx = fx - x0;
      for (let ch = 0; ch < 3; ch++) {
        const a = src[(y0 * w + x0) * 3 + ch]!;
        const b = src[(y0 * w + x1) * 3 + ch]!;
        const cc = src[(y1 * w + x0) * 3 + ch]!;
        const d = src[(y1 * w + x1) * 3 + ch]!;
        const v = (a * (1 - wx) + b * wx) * (1 - wy) + (cc * (1 - wx) + d * wx) * wy;
        out[ch * plane + oy * outW + ox] = v * scale[ch]! + offset[ch]!;
      }
    }
  }
  return out;
}
