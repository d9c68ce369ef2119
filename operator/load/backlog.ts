// The backlog in videos (pure). Stage topics count messages, not videos: a video waits in scene's
// and motion's topics at once, a join's topic carries one message per input per video, and a
// fan-out multiplies the messages downstream. Summing lag over the stage topics therefore counts
// one video several times. The backlog in videos is the largest per-stage lag divided by the
// messages that stage's topic carries per source video.

import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
import { parseQuantity } from '../api/quantity.ts';

export interface BacklogStage {
  name: string;
  /** Upstream stage names; empty (or 'source') reads the source. */
  inputs: string[];
  /** Items a stage emits per item it processes. */
  fanOut: number;
}

const positive = (x: number | undefined) => (x !== undefined && Number.isFinite(x) && x > 0 ? x : 1);

/**
 * Messages on each stage's input topic per source video: one per source input, plus per upstream
 * stage its items per video × its fan-out. A stage's items per video are its topic's messages,
 * except a join, which emits once per video key (the max over its inputs, as the planner rates).
 * Stages in a cycle or reading unknown stages count 1.
 */
export function messagesPerVideo(stages: BacklogStage[]): Record<string, number> {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const messages = new Map<string, number>();
  const items = new Map<string, number>();
  const visiting = new Set<string>();
  const itemsOf = (name: string): number => {
    const known = items.get(name);
    if (known !== undefined) return known;
    const stage = byName.get(name);
    if (!stage || visiting.has(name)) return 1;
    visiting.add(name);
    const inputs = stage.inputs.length === 0 ? ['source'] : stage.inputs;
    const perInput = inputs.map((i) => (i === 'source' ? 1 : itemsOf(i) * positive(byName.get(i)?.fanOut)));
    visiting.delete(name);
    messages.set(
      name,
      perInput.reduce((a, b) => a + b, 0),
    );
    items.set(name, Math.max(...perInput));
    return items.get(name)!;
  };
  for (const s of stages) itemsOf(s.name);
  return Object.fromEntries(stages.map((s) => [s.name, messages.get(s.name) ?? 1]));
}

/** The backlog in videos: the largest per-stage lag over that stage's messages per video. */
export function backlogVideos(stages: { lag: number; messagesPerVideo?: number }[]): number {
  let videos = 0;
  for (const s of stages) videos = Math.max(videos, s.lag / positive(s.messagesPerVideo));
  return videos;
}

/** The backlog stages of a VideoPipeline spec (fanOut parsed; unparseable counts 1). */
export function backlogStages(pipeline: VideoPipeline): BacklogStage[] {
  return pipeline.spec.stages.map((s) => ({
    name: s.name,
    inputs: s.inputs ?? [],
    fanOut: positive(s.fanOut === undefined ? 1 : parseQuantity(s.fanOut)),
  }));
}
