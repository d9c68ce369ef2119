// How a gather turns a video's item messages into its result (runtime config `gathers[].merge`):
// - `items`: every item in index order, with its region and the outputs of the per-item stages;
// - `textLines`: the distinct text lines a recogniser read, identical lines seen on several
//   frames (a static caption) merged into one with all their frames and boxes, ordered by where
//   they first appeared (frame, then top to bottom, then left to right). Pure.
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

export function mergeTextLines(
  items: readonly StageMessage[],
  textStage: string,
  minScore: number,
): TextLine[] {
  const lines = new Map<string, TextLine & { first: Place }>();
  for (const m of items) {
    const reading = m.outputs[textStage] as { text?: unknown; score?: unknown } | undefined;
    if (typeof reading?.text !== 'string' || typeof reading.score !== 'number') continue;
    const text = normalised(reading.text);
    if (text === '' || reading.score < minScore) continue;
    const r = m.region;
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
