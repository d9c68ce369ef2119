// Cross-object checks of a pipeline's fan-outs (what no CEL rule can see, since a stage emits items
// when its ModelSession's output.decoder does): a gather collects the items of a stage after a
// fan-out; a stage after a fan-out runs once per item, so it may read its item's region of the
// frames (one frame), must not join (a join is keyed by video, it would merge a video's items),
// must not fan out again, and its items must reach a gather before the output (the output holds
// one result per video). Pure.
import type { ModelSession, VideoPipeline, VideoPipelineStage } from '../../contract/crd-types.generated.ts';

const ITEM_DECODERS = new Set(['dbText']);

export function emitsItems(session: ModelSession | undefined): boolean {
  return ITEM_DECODERS.has(session?.spec.output?.decoder ?? 'classes');
}

const inputsOf = (s: VideoPipelineStage) => (s.inputs ?? ['source']).filter((i) => i !== 'source');

type SessionOf = (stage: VideoPipelineStage) => ModelSession | undefined;

/** Whether a stage's input is a stage that emits items: it reads each item's region of the frames. */
export function readsItems(
  pipeline: VideoPipeline,
  stage: VideoPipelineStage,
  sessionOf: SessionOf,
): boolean {
  return inputsOf(stage).some((i) => {
    const input = pipeline.spec.stages.find((s) => s.name === i);
    return input !== undefined && !input.gather && emitsItems(sessionOf(input));
  });
}

/** The stages that run once per item, each with the fan-out stage whose items it receives. */
export function itemStages(pipeline: VideoPipeline, sessionOf: SessionOf): Map<string, string> {
  const byName = new Map(pipeline.spec.stages.map((s) => [s.name, s]));
  // Memoised; a cycle (refused by CEL and the planner) just ends the walk.
  const origin = new Map<string, string | undefined>();
  const itemsFrom = (name: string, seen = new Set<string>()): string | undefined => {
    if (origin.has(name)) return origin.get(name);
    const stage = byName.get(name);
    if (!stage || seen.has(name)) return undefined;
    seen.add(name);
    const upstream = inputsOf(stage).map((i) => {
      const s = byName.get(i);
      return s && !s.gather && emitsItems(sessionOf(s)) ? i : itemsFrom(i, seen);
    });
    const found = upstream.find((u) => u !== undefined);
    origin.set(name, found);
    return found;
  };
  const found = new Map<string, string>();
  for (const stage of pipeline.spec.stages) {
    const from = itemsFrom(stage.name);
    if (from !== undefined) found.set(stage.name, from);
  }
  return found;
}

export function fanOutProblem(pipeline: VideoPipeline, sessionOf: SessionOf): string | undefined {
  const stages = pipeline.spec.stages;
  const byName = new Map(stages.map((s) => [s.name, s]));
  const items = itemStages(pipeline, sessionOf);
  for (const stage of stages) {
    const from = items.get(stage.name);
    const where = `stage ${stage.name}`;
    if (stage.gather) {
      const input = byName.get(inputsOf(stage)[0] ?? '');
      if (!input || (!emitsItems(sessionOf(input)) && !items.has(input.name))) {
        return `${where} gathers items, but its input is not after a fan-out (a stage whose ModelSession's output.decoder emits items, e.g. dbText)`;
      }
      if ((stage.gather.merge ?? 'items') === 'textLines' && input) {
        const decoder = sessionOf(input)?.spec.output?.decoder;
        if (decoder !== 'ctcText')
          return `${where} merges textLines, but its input ${input.name} does not read text (output.decoder ctcText)`;
      }
      continue;
    }
    if (!from) continue;
    if (inputsOf(stage).length > 1)
      return `${where} joins stages after the fan-out of ${from}: a join is keyed by video and would merge its items; gather them first`;
    const session = sessionOf(stage);
    if (emitsItems(session)) return `${where} fans out again after ${from}: one fan-out per path`;
    const input = session?.spec.input;
    if ((input?.source ?? 'frames') === 'frames' && (input?.frames ?? 1) !== 1)
      return `${where} reads one item's region of one frame: its ModelSession's input.frames must be 1, not ${input?.frames}`;
    const downstream = stages.filter((s) => (s.inputs ?? []).includes(stage.name));
    if (downstream.length === 0)
      return `${where} runs once per item of ${from}, but nothing gathers its items (a stage with gather): the output holds one result per video`;
  }
  return undefined;
}
