// The decoder a hosted session applies to its model's output rows, from the ModelSession's
// `output.decoder` (runtime config `output.decoder`): a class vector (default), a DB text
// detector's probability maps (→ items: boxes on the stored frames, which fan out downstream), or
// a CTC recogniser's per-step probabilities (→ text, with the dictionary read at load).
import type { OutputDecoderConfig } from '../../contract/runtime-config.ts';
import { StageError } from '../inference/errors.ts';
import { pickFrames } from '../preprocess/frames-to-tensor.ts';
import { ctcClasses, decodeCtc } from './ctc-text.ts';
import { decodeDbText } from './db-text.ts';
import { decodeOutput, meanRow, type StageOutput } from './decode-output.ts';

export interface DecodeContext {
  /** The output tensor's dims (batch first). */
  dims: readonly number[];
  /** Frames stored for the item's video (the rows of an NCHW item are picked from them). */
  storedFrames: number;
}

export interface OutputDecoder {
  /** One item's output from its rows (NCHW frame models: one row per picked frame). */
  decode(rows: readonly Float32Array[], context: DecodeContext): StageOutput;
}

export interface DecoderResources {
  labels?: readonly string[];
  /** ctcText: the dictionary's characters, one per line of its file. */
  dictionary?: readonly string[];
}

function mapDims(dims: readonly number[]): { height: number; width: number } {
  // [N, 1, H, W] or [N, H, W]: the last two dimensions are the map.
  const height = dims[dims.length - 2];
  const width = dims[dims.length - 1];
  if (height === undefined || width === undefined || dims.length < 3)
    throw new StageError('InferenceFailed', `a dbText output must be [N, 1, H, W], got [${dims.join(', ')}]`);
  return { height, width };
}

export function createOutputDecoder(
  config: OutputDecoderConfig | undefined,
  resources: DecoderResources = {},
): OutputDecoder {
  switch (config?.kind ?? 'classes') {
    case 'classes':
      return {
        decode: (rows) => decodeOutput(rows.length === 1 ? rows[0]! : meanRow(rows), resources.labels),
      };
    case 'dbText': {
      const params = config as Extract<OutputDecoderConfig, { kind: 'dbText' }>;
      return {
        decode(rows, context) {
          const { height, width } = mapDims(context.dims);
          const picked = pickFrames(context.storedFrames, rows.length);
          const items = rows.flatMap((row, k) =>
            decodeDbText(row, width, height, params).map((box) => ({ frame: picked[k]!, ...box })),
          );
          return { items };
        },
      };
    }
    case 'ctcText': {
      const { spaceCharacter } = config as Extract<OutputDecoderConfig, { kind: 'ctcText' }>;
      if (!resources.dictionary) throw new Error('a ctcText decoder needs its dictionary');
      const classes = ctcClasses(resources.dictionary, spaceCharacter);
      return {
        decode(rows, context) {
          const steps = context.dims[1];
          if (context.dims.length !== 3 || context.dims[2] !== classes.length || steps === undefined) {
            throw new StageError(
              'InferenceFailed',
              `a ctcText output must be [N, steps, ${classes.length}] (blank + ${resources.dictionary!.length} characters${spaceCharacter ? ' + space' : ''}), got [${context.dims.join(', ')}]`,
            );
          }
          const { text, score } = decodeCtc(rows[0]!, steps, classes);
          return { text: text.trim(), score };
        },
      };
    }
  }
}
