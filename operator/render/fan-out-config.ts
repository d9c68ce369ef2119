// The fan-out parts of the runtime config, from the manifests (pure): a ModelSession's
// output.decoder with its parameters defaulted (the defaults are PaddleOCR's DB post-processing
// values), and the pipeline's gather stages. Quantity strings are checked by the CRD's CEL rules;
// here they only become numbers.
import type { ModelSession, VideoPipeline, VideoPipelineStage } from '../../contract/crd-types.generated.ts';
import type { OutputDecoderConfig, RuntimeGather } from '../../contract/runtime-config.ts';
import { RuntimeConfigError } from './runtime-config-error.ts';

type Decimal = (value: string, what: string) => number;

export const DB_TEXT_DEFAULTS = {
  threshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 1.5,
  minSizePx: 3,
  maxBoxes: 100,
} as const;

export const DEFAULT_JOIN_TIMEOUT_MS = 60000;

/** The runtime decoder of a session's output; undefined = a class vector (the default). */
export function outputDecoder(
  session: ModelSession,
  decimal: Decimal,
  where: string,
): OutputDecoderConfig | undefined {
  const output = session.spec.output;
  switch (output?.decoder ?? 'classes') {
    case 'classes':
      return undefined;
    case 'dbText': {
      const p = output?.dbText ?? {};
      const number = (v: string | undefined, field: keyof typeof DB_TEXT_DEFAULTS) =>
        v === undefined ? DB_TEXT_DEFAULTS[field] : decimal(v, `${where}.output.dbText.${field}`);
      return {
        kind: 'dbText',
        threshold: number(p.threshold, 'threshold'),
        boxThreshold: number(p.boxThreshold, 'boxThreshold'),
        unclipRatio: number(p.unclipRatio, 'unclipRatio'),
        minSizePx: p.minSizePx ?? DB_TEXT_DEFAULTS.minSizePx,
        maxBoxes: p.maxBoxes ?? DB_TEXT_DEFAULTS.maxBoxes,
      };
    }
    case 'ctcText': {
      const c = output?.ctcText;
      // CEL refuses ctcText without its parameters; a manifest that skipped validation lands here.
      if (!c)
        throw new RuntimeConfigError(`${where}: output.decoder ctcText needs output.ctcText.dictionary`);
      return {
        kind: 'ctcText',
        dictionary: { ...c.dictionary },
        spaceCharacter: c.spaceCharacter ?? true,
      };
    }
  }
}

/** The pipeline's gather stages as the runtime runs them. */
export function gathersOf(
  pipeline: VideoPipeline,
  topicOf: (stage: VideoPipelineStage) => string,
  decimal: Decimal,
  where: string,
): RuntimeGather[] {
  return pipeline.spec.stages.flatMap((stage) => {
    if (!stage.gather) return [];
    const input = stage.inputs?.[0];
    if (stage.inputs?.length !== 1 || input === undefined || input === 'source')
      throw new RuntimeConfigError(
        `${where} stage '${stage.name}': a gather has exactly one input, a stage after a fan-out`,
      );
    const { minScore } = stage.gather;
    return [
      {
        name: stage.name,
        input,
        topic: topicOf(stage),
        timeoutMs: stage.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS,
        merge: stage.gather.merge ?? 'items',
        ...(minScore !== undefined
          ? { minScore: decimal(minScore, `${where} stage '${stage.name}'.gather.minScore`) }
          : {}),
      },
    ];
  });
}
