// The sample pipeline's three models. Their answers are known by construction (conventions.md,
// "Sample labels"): frames are float [N, F, 3, H, W] (NFCHW) in 0..1, no mean/std.
import { createGraphBuilder } from './graph-builder.ts';

export const SCENE_LABELS = ['dark', 'bright', 'colorful'] as const;
export const MOTION_LABELS = ['static', 'moving'] as const;
export const FUSION_LABELS = MOTION_LABELS.flatMap((m) => SCENE_LABELS.map((s) => `${m}/${s}`));

const LUMA = [0.299, 0.587, 0.114];

/**
 * scene: features = [mean R, mean G, mean B, mean chroma (max−min over channels)], then
 * logits = features·W + b with dark = 10(0.4 − L), bright = 10(L − 0.4) − 15·S,
 * colorful = 15(S − 0.3), where L is mean luma (BT.601) and S mean chroma.
 */
export function sceneModel(): Uint8Array {
  const g = createGraphBuilder();
  const x = g.input('frames', ['N', 'F', 3, 'H', 'W']);
  const channelMean = g.op('ReduceMean', [x], { axes: [1, 3, 4], keepdims: 0 });
  const max = g.op('ReduceMax', [x], { axes: [2], keepdims: 0 });
  const min = g.op('ReduceMin', [x], { axes: [2], keepdims: 0 });
  const chroma = g.op('ReduceMean', [g.op('Sub', [max, min])], { axes: [1, 2, 3], keepdims: 0 });
  const chromaCol = g.op('Unsqueeze', [chroma, g.ints([1], [1])]);
  const features = g.op('Concat', [channelMean, chromaCol], { axis: 1 });
  // rows: R, G, B, S; columns: dark, bright, colorful
  const w = [...[0, 1, 2].flatMap((c) => [-10 * LUMA[c]!, 10 * LUMA[c]!, 0]), ...[0, -15, 15]];
  const logits = g.op('Add', [g.op('MatMul', [features, g.floats([4, 3], w)]), g.floats([3], [4, -4, -4.5])]);
  g.output('logits', logits, ['N', 3]);
  return g.build('scene');
}

/** motion: m = mean |frame[f+1] − frame[f]|; static = 50(0.02 − m), moving = 50(m − 0.02). */
export function motionModel(): Uint8Array {
  const g = createGraphBuilder();
  const x = g.input('frames', ['N', 'F', 3, 'H', 'W']);
  const axis = g.ints([1], [1]);
  const later = g.op('Slice', [x, g.ints([1], [1]), g.ints([1], [2 ** 31 - 1]), axis]);
  const earlier = g.op('Slice', [x, g.ints([1], [0]), g.ints([1], [-1]), axis]);
  const diff = g.op('Abs', [g.op('Sub', [later, earlier])]);
  const mean = g.op('ReduceMean', [diff], { axes: [1, 2, 3, 4], keepdims: 1 });
  const m = g.op('Reshape', [mean, g.ints([2], [-1, 1])]);
  const logits = g.op('Add', [g.op('MatMul', [m, g.floats([1, 2], [-50, 50])]), g.floats([2], [1, -1])]);
  g.output('logits', logits, ['N', 2]);
  return g.build('motion');
}

/**
 * fusion: input [N, 5] = scene probabilities (3) ++ motion probabilities (2); logits for
 * FUSION_LABELS = log p_scene + log p_motion, via a constant 0/1 matrix.
 */
export function fusionModel(): Uint8Array {
  const g = createGraphBuilder();
  const x = g.input('scores', ['N', 5]);
  const logp = g.op('Log', [g.op('Add', [x, g.floats([1], [1e-6])])]);
  const m: number[] = [];
  for (let row = 0; row < 5; row++) {
    for (let col = 0; col < 6; col++) {
      const hit = row < 3 ? col % 3 === row : Math.floor(col / 3) === row - 3;
      m.push(hit ? 1 : 0);
    }
  }
  const logits = g.op('MatMul', [logp, g.floats([5, 6], m)]);
  g.output('logits', logits, ['N', 6]);
  return g.build('fusion');
}
