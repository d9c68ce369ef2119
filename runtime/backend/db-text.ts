// Decodes a DB text detector's output (a per-pixel text probability map, [1, H, W] per frame)
// into text boxes, after PaddleOCR's DBPostProcess (ppocr/postprocess/db_postprocess.py; DB:
// Liao et al., "Real-time Scene Text Detection with Differentiable Binarization", AAAI 2020):
// threshold the map, take each connected region, score it by the mean probability inside its
// box, drop weak or tiny ones, and grow ("unclip") the box by area × ratio / perimeter, because
// DB is trained to predict a shrunk text kernel, but never past the middle of the gap to a kernel
// beside it on the same line. Boxes are axis-aligned (what a crop by reference
// can carry); rotated text gets its bounding box. Pure: no I/O.

export interface DbTextParams {
  /** Pixels with probability above this are text. */
  threshold: number;
  /** A region whose mean probability inside its box is below this is dropped. */
  boxThreshold: number;
  /** Growth of the shrunk kernel: distance = area × unclipRatio / perimeter. */
  unclipRatio: number;
  /** Boxes whose shorter side is below this many pixels are dropped (before unclip; +2 after). */
  minSizePx: number;
  /** At most this many boxes per frame, the highest scores kept. */
  maxBoxes: number;
}

export const DB_TEXT_DEFAULTS: DbTextParams = {
  threshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 1.5,
  minSizePx: 3,
  maxBoxes: 1000,
};

export interface TextBox {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

interface Component {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** 8-connected regions of `mask` (iterative flood fill; labels reused as the visited marks). */
function components(mask: Uint8Array, width: number, height: number): Component[] {
  const seen = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  const found: Component[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || seen[start]) continue;
    const c = { minX: width, minY: height, maxX: -1, maxY: -1 };
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % width;
      const y = (p - x) / width;
      if (x < c.minX) c.minX = x;
      if (x > c.maxX) c.maxX = x;
      if (y < c.minY) c.minY = y;
      if (y > c.maxY) c.maxY = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (mask[q] && !seen[q]) {
            seen[q] = 1;
            stack[top++] = q;
          }
        }
      }
    }
    found.push(c);
  }
  return found;
}

function meanInside(prob: ArrayLike<number>, width: number, c: Component): number {
  let sum = 0;
  for (let y = c.minY; y <= c.maxY; y++) for (let x = c.minX; x <= c.maxX; x++) sum += prob[y * width + x]!;
  return sum / ((c.maxX - c.minX + 1) * (c.maxY - c.minY + 1));
}

/**
 * How far a kernel's box may grow sideways: to the middle of the gap to the nearest kernel beside
 * it on the same line (overlapping rows). The unclip distance grows with the box's length, so a
 * long word's box would otherwise reach into the next word of a widely spaced caption (a bold
 * "BREAKING NEWS" read as "BREAKINGN"); PaddleOCR leaves such overlaps to its recogniser.
 */
function sideLimits(c: Component, kernels: readonly Component[]): [left: number, right: number] {
  let left = 0;
  let right = Number.POSITIVE_INFINITY;
  for (const o of kernels) {
    if (o === c || o.maxY < c.minY || o.minY > c.maxY) continue;
    if (o.minX > c.maxX) right = Math.min(right, Math.floor((c.maxX + 1 + o.minX) / 2));
    else if (o.maxX < c.minX) left = Math.max(left, Math.ceil((o.maxX + 1 + c.minX) / 2));
  }
  return [left, right];
}

/** Text boxes of one frame's probability map (`width` × `height`), top to bottom, left to right. */
export function decodeDbText(
  prob: ArrayLike<number>,
  width: number,
  height: number,
  params: DbTextParams = DB_TEXT_DEFAULTS,
): TextBox[] {
  if (prob.length !== width * height)
    throw new Error(`probability map has ${prob.length} values, expected ${width}×${height}`);
  const mask = new Uint8Array(prob.length);
  for (let i = 0; i < prob.length; i++) mask[i] = prob[i]! > params.threshold ? 1 : 0;
  const boxes: TextBox[] = [];
  const kernels = components(mask, width, height);
  for (const c of kernels) {
    const w = c.maxX - c.minX + 1;
    const h = c.maxY - c.minY + 1;
    if (Math.min(w, h) < params.minSizePx) continue;
    const score = meanInside(prob, width, c);
    if (score < params.boxThreshold) continue;
    const distance = (w * h * params.unclipRatio) / (2 * (w + h));
    if (Math.min(w, h) + 2 * distance < params.minSizePx + 2) continue;
    const [left, right] = sideLimits(c, kernels);
    const x0 = Math.max(0, left, Math.round(c.minX - distance));
    const y0 = Math.max(0, Math.round(c.minY - distance));
    const x1 = Math.min(width, right, Math.round(c.maxX + 1 + distance));
    const y1 = Math.min(height, Math.round(c.maxY + 1 + distance));
    boxes.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0, score });
  }
  return boxes
    .sort((a, b) => b.score - a.score)
    .slice(0, params.maxBoxes)
    .sort((a, b) => a.y - b.y || a.x - b.x);
}
