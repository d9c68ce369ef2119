// Model output rows → stage outputs (conventions.md). A class vector (the default decoder): with
// labels `{label, scores}` where scores is the softmax of the row and label the argmax; without
// labels `{scores}` = the raw row. The other decoders (output-decoder.ts) give items (a detector's
// boxes, which fan out) or text (a recogniser's reading).

export interface ClassOutput {
  label?: string;
  scores: number[];
}

/** One detected item: a box on one of the video's stored frames. */
export interface Detection {
  /** Index into the video's stored frames. */
  frame: number;
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
  label?: string;
}

export interface ItemsOutput {
  items: Detection[];
}

export interface TextOutput {
  text: string;
  score: number;
}

export type StageOutput = ClassOutput | ItemsOutput | TextOutput;

export function softmax(row: ArrayLike<number>): number[] {
  const n = row.length;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if (row[i]! > max) max = row[i]!;
  // One array, filled in place: this runs per item, a thousand classes wide for image models.
  const out = new Array<number>(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(row[i]! - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) out[i] = out[i]! / sum;
  return out;
}

/** Mean of `rows` (an NCHW model gives one row per frame; the item's row is their mean). */
export function meanRow(rows: readonly ArrayLike<number>[]): Float32Array {
  const width = rows[0]?.length ?? 0;
  const out = new Float32Array(width);
  for (const row of rows) for (let i = 0; i < width; i++) out[i]! += row[i]! / rows.length;
  return out;
}

export function decodeOutput(row: ArrayLike<number>, labels?: readonly string[]): ClassOutput {
  if (!labels) return { scores: Array.from(row) };
  if (labels.length !== row.length) {
    throw new Error(`output has ${row.length} values but ${labels.length} labels are configured`);
  }
  const scores = softmax(row);
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return { label: labels[best]!, scores };
}
