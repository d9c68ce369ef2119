// Fan-out (DESIGN.md "The plan is what runs"): a stage whose model emits a variable number of
// items per input (a detector's boxes) sends one message per item downstream, each with the frame
// reference and the item's region (crop by reference: never pixels), and the item count, so a
// gather downstream knows when it has all of a video's items. A video with no items sends one
// message announcing `itemCount: 0`, which per-item stages pass on untouched, so the gather still
// produces the video's (empty) result. Pure.
import type { Detection, ItemsOutput } from '../backend/decode-output.ts';
import type { StageMessage } from '../transport/transport.ts';

export function isItemsOutput(value: unknown): value is ItemsOutput {
  return typeof value === 'object' && value !== null && Array.isArray((value as ItemsOutput).items);
}

/** The item's own output at the fan-out stage: its score (and label); the box is the region. */
function itemOutput(d: Detection): Record<string, unknown> {
  return { score: d.score, ...(d.label !== undefined ? { label: d.label } : {}) };
}

/** The messages `stage` sends downstream for `message`, whose output was `output`. */
export function fanOutMessages(message: StageMessage, stage: string, output: ItemsOutput): StageMessage[] {
  const { item: _item, region: _region, itemCount: _count, ...base } = message;
  const count = output.items.length;
  if (count === 0) return [{ ...base, outputs: { ...base.outputs, [stage]: { items: 0 } }, itemCount: 0 }];
  return output.items.map((d, item) => ({
    ...base,
    outputs: { ...base.outputs, [stage]: itemOutput(d) },
    itemCount: count,
    item,
    region: { frame: d.frame, x: d.x, y: d.y, width: d.width, height: d.height },
  }));
}

/**
 * Frame holds to add at a fan-out (negative: to drop): every frame-reading stage downstream held
 * one reference for the video; now it reads once per item.
 */
export function fanOutHoldDelta(items: number, downstreamFrameStages: number): number {
  return (items - 1) * downstreamFrameStages;
}

/** A message past a fan-out that carries no item: a video with no items, passed on as it is. */
export function isEmptyAnnouncement(message: StageMessage): boolean {
  return message.itemCount === 0;
}
