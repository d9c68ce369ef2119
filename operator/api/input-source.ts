// Where a stage's model reads its input from: `frames` (decoded video frames) or `stages` (the
// upstream stages' score vectors). ModelSession input.source says it when set; when it is absent
// (manifests written to API.md alone) the pipeline's wiring says it: a stage reading `source`
// gets frames, a stage reading other stages gets their scores, and a stage reading a fan-out's
// items (its input emits items: fan-out-check.ts) gets each item's region of the frames. So one
// ModelSession may serve a frame stage in one place and a join in another: each stage is its own
// hosted session.
import type { ModelSession, VideoPipelineStage } from '../../contract/crd-types.generated.ts';

export type InputSource = 'frames' | 'stages';

export type StageInputSource =
  | { ok: true; source: InputSource; inferred: boolean }
  | { ok: false; message: string };

export function stageInputSource(
  stage: VideoPipelineStage,
  session: ModelSession,
  readsItems = false,
): StageInputSource {
  const inputs = stage.inputs ?? ['source'];
  const fromSource = inputs.filter((i) => i === 'source').length;
  const where = `stage ${stage.name}: ModelSession ${session.metadata.name}`;
  if (fromSource > 0 && fromSource < inputs.length) {
    return {
      ok: false,
      message: `${where}: the stage reads both source and other stages (${inputs.join(', ')}); a model reads either frames or upstream scores`,
    };
  }
  const wired: InputSource = fromSource > 0 || readsItems ? 'frames' : 'stages';
  const set = session.spec.input.source;
  if (set === undefined) return { ok: true, source: wired, inferred: true };
  if (set === wired) return { ok: true, source: set, inferred: false };
  return {
    ok: false,
    message:
      set === 'frames'
        ? `${where} reads frames (input.source: frames), but the stage's inputs are other stages`
        : `${where} reads upstream stages' scores (input.source: stages), but the stage's input is ${readsItems ? "a fan-out's items (regions of the frames)" : 'source'}`,
  };
}
