// The observed fanOut of a pipeline's stages, from Kafka alone (like the rest of the observed
// load): over the load window, the messages that arrived on the topic of the stage after S,
// divided by those that arrived on S's own topic, is how many outputs S emitted per input. A
// detector whose decoder emits items sends one message per item (one announcing zero for a video
// without any, so the figure is at least 1 per video). Only stages followed by a one-input stage
// or gather are measured (a join's topic also takes its other inputs). The declared fanOut sizes
// the plan; a hint says when the observed value is off by more than 2×. Pure.
import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
import { parseQuantity } from '../api/quantity.ts';

export interface FanOutTopics {
  stage: string;
  /** The stage's own input topic and that of the one-input stage after it. */
  topic: string;
  downstreamTopic: string;
  declared: number;
}

export interface ObservedFanOut {
  stage: string;
  declared: number;
  observed: number;
  /** Set when the observed value is off the declared one by more than 2×. */
  hint?: string;
}

/** Too few inputs in the window say nothing about the mean. */
export const MIN_INPUTS = 5;

export function fanOutTopics(pipeline: VideoPipeline, topicOf: (stage: string) => string): FanOutTopics[] {
  const stages = pipeline.spec.stages;
  return stages.flatMap((s) => {
    if (s.gather) return [];
    const next = stages.find((t) => (t.inputs ?? []).length === 1 && t.inputs?.[0] === s.name);
    if (!next) return [];
    const declared = parseQuantity(s.fanOut ?? '1') ?? 1;
    return [{ stage: s.name, topic: topicOf(s.name), downstreamTopic: topicOf(next.name), declared }];
  });
}

/** Observed fanOut per stage from the growth of the two topics' end offsets. */
export function observeFanOut(
  topics: readonly FanOutTopics[],
  grown: (topic: string) => number,
): ObservedFanOut[] {
  return topics.flatMap((t) => {
    const inputs = grown(t.topic);
    if (inputs < MIN_INPUTS) return [];
    const observed = grown(t.downstreamTopic) / inputs;
    const off = Math.max(observed / t.declared, t.declared / Math.max(observed, 1e-9));
    const hint =
      off > 2
        ? `stage ${t.stage} emits ${observed.toFixed(2)} outputs per input, the plan assumes fanOut ${t.declared}: set fanOut to the observed value so the stages after it are sized right`
        : undefined;
    return [{ stage: t.stage, declared: t.declared, observed, ...(hint ? { hint } : {}) }];
  });
}
