// How a gather turns a video's item messages into its result (runtime config `gathers[].merge`):
// - `items`: every item in index order, with its region and the outputs of the per-item stages;
// - `textLines`: the distinct text lines a recogniser read: words read from separate boxes of one
//   line joined, then identical lines seen on several frames (a static caption) merged into one
//   with all their frames and boxes, ordered by where they first appeared (frame, then top to
//   bottom, then left to right). Pure.
import type { GatherMerge } from '../../contract/runtime-config.ts';
import type { ItemRegion, StageMessage } from '../transport/transport.ts';

export interface GatheredItem {
  index: number;
  region?: ItemRegion;
  outputs: Record<string, unknown>;
}

export interface TextLine {
  text: string;
  /** The best score among the readings merged. */
  score: number;
  frames: number[];
  boxes: ItemRegion[];
}

export interface MergeOptions {
  merge: GatherMerge;
  /** The stages whose outputs are per item (the fan-out stage and those after it). */
  itemStages: readonly string[];
  /** textLines: the stage whose output is `{text, score}`. */
  textStage: string;
  /** textLines: readings below this score are dropped. */
  minScore: number;
}

function gathered(m: StageMessage, itemStages: readonly string[]): GatheredItem {
  const outputs = Object.fromEntries(itemStages.filter((s) => s in m.outputs).map((s) => [s, m.outputs[s]]));
  return { index: m.item ?? 0, ...(m.region ? { region: m.region } : {}), outputs };
}

const normalised = (text: string) => text.replace(/\s+/g, ' ').trim();

type Place = [frame: number, y: number, x: number];
const before = (a: Place, b: Place) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** One recognised box: its text, score and region. */
export interface Reading {
  text: string;
  score: number;
  region?: ItemRegion;
}

function readingsOf(items: readonly StageMessage[], textStage: string, minScore: number): Reading[] {
  return items.flatMap((m) => {
    const reading = m.outputs[textStage] as { text?: unknown; score?: unknown } | undefined;
    if (typeof reading?.text !== 'string' || typeof reading.score !== 'number') return [];
    const text = normalised(reading.text);
    if (text === '' || reading.score < minScore) return [];
    return [{ text, score: reading.score, ...(m.region ? { region: m.region } : {}) }];
  });
}

/** Boxes on one line: their rows overlap by half the shorter box, and the gap is under its height. */
function sameLine(a: ItemRegion, b: ItemRegion): boolean {
  const overlap = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const shorter = Math.min(a.height, b.height);
  const gap = Math.max(a.x, b.x) - Math.min(a.x + a.width, b.x + b.width);
  return a.frame === b.frame && overlap >= shorter / 2 && gap <= shorter;
}

/**
 * Words of one line read from separate boxes (a detector finds words apart on a widely spaced
 * caption) joined left to right into the line, with the weakest word's score and the union box.
 */
export function joinLineWords(readings: readonly Reading[]): Reading[] {
  const placed = readings.filter((r) => r.region).sort((a, b) => a.region!.x - b.region!.x);
  const lines: { words: Reading[]; box: ItemRegion }[] = [];
  for (const r of placed) {
    const line = lines.find((l) => sameLine(l.box, r.region!));
    if (!line) {
      lines.push({ words: [r], box: { ...r.region! } });
      continue;
    }
    line.words.push(r);
    const b = line.box;
    const o = r.region!;
    const [x0, y0] = [Math.min(b.x, o.x), Math.min(b.y, o.y)];
    const [x1, y1] = [Math.max(b.x + b.width, o.x + o.width), Math.max(b.y + b.height, o.y + o.height)];
    line.box = { frame: b.frame, x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  }
  const joined = lines.map((l) => ({
    text: l.words.map((w) => w.text).join(' '),
    score: Math.min(...l.words.map((w) => w.score)),
    region: l.box,
  }));
  return [...joined, ...readings.filter((r) => !r.region)];
}

export function mergeTextLines(
  items: readonly StageMessage[],
  textStage: string,
  minScore: number,
): TextLine[] {
  const lines = new Map<string, TextLine & { first: Place }>();
  for (const reading of joinLineWords(readingsOf(items, textStage, minScore))) {
    const { text } = reading;
    const r = reading.region;
    const at: Place = [r?.frame ?? 0, r?.y ?? 0, r?.x ?? 0];
    const line = lines.get(text) ?? { text, score: 0, frames: [], boxes: [], first: at };
    line.score = Math.max(line.score, reading.score);
    if (r) {
      if (!line.frames.includes(r.frame)) line.frames.push(r.frame);
      line.boxes.push(r);
    }
    if (before(at, line.first) < 0) line.first = at;
    lines.set(text, line);
  }
  return [...lines.values()]
    .sort((a, b) => before(a.first, b.first))
    .map(({ first: _, ...line }) => ({ ...line, frames: line.frames.sort((a, b) => a - b) }));
}

/** The gather's own output for a video. */
export function mergeGathered(
  items: readonly StageMessage[],
  options: MergeOptions,
): Record<string, unknown> {
  if (options.merge === 'textLines')
    return { lines: mergeTextLines(items, options.textStage, options.minScore) };
  return { items: items.map((m) => gathered(m, options.itemStages)) };
}

/** The video's result message: what it was before the fan-out, plus the gather's output. */
export function gatheredResult(
  first: StageMessage,
  items: readonly StageMessage[],
  gather: string,
  options: MergeOptions,
): StageMessage {
  const { item: _i, region: _r, itemCount: _c, ...base } = first;
  const outputs = Object.fromEntries(
    Object.entries(base.outputs).filter(([s]) => !options.itemStages.includes(s)),
  );
  const ingestedAtMs = Math.min(first.ingestedAtMs, ...items.map((m) => m.ingestedAtMs));
  return { ...base, ingestedAtMs, outputs: { ...outputs, [gather]: mergeGathered(items, options) } };
}
