// What a session's model takes as input (ModelSession spec.input, numbers already parsed).

export type Layout = 'NCHW' | 'NFCHW' | 'NCFHW';

export interface FrameInputSpec {
  source: 'frames';
  /** Model input name; default: the model's first input. */
  name?: string;
  layout: Layout;
  /** Frames the model wants, picked uniformly from the stored ones. */
  frames: number;
  width: number;
  height: number;
  /** Per-channel normalisation after scaling to 0..1: (x − mean) / std. */
  mean?: readonly number[];
  std?: readonly number[];
}

export interface StagesInputSpec {
  source: 'stages';
  name?: string;
  /** Length of the concatenated upstream score vectors, when known. */
  total?: number;
}

export type InputSpec = FrameInputSpec | StagesInputSpec;

/** Decoded frames as the frame store keeps them: uint8 RGB, dims [F, H, W, 3]. */
export interface Frames {
  data: Uint8Array;
  dims: readonly [number, number, number, number];
}

/** Shape of one item's tensor (no batch dimension); NCHW items are `frames` images. */
export function itemDims(spec: FrameInputSpec): number[] {
  const { frames: f, height: h, width: w } = spec;
  switch (spec.layout) {
    case 'NCHW':
      return [f, 3, h, w];
    case 'NFCHW':
      return [f, 3, h, w];
    case 'NCFHW':
      return [3, f, h, w];
  }
}

/** Shape of a batch of `n` items as the model sees it (NCHW folds frames into the batch). */
export function batchDims(spec: FrameInputSpec, n: number): number[] {
  const dims = itemDims(spec);
  return spec.layout === 'NCHW' ? [n * spec.frames, ...dims.slice(1)] : [n, ...dims];
}

/** Model rows per item: NCHW gives one row per frame, the others one per item. */
export function rowsPerItem(spec: InputSpec): number {
  return spec.source === 'frames' && spec.layout === 'NCHW' ? spec.frames : 1;
}
