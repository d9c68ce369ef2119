// Builds a stage's output decoder at model load: a ctcText decoder's dictionary is a file beside
// the model (its URI resolved like the model's, with the same modelRoot and sha256 check).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { RuntimeStage } from '../../contract/runtime-config.ts';
import { ModelLoadError } from '../inference/errors.ts';
import { modelPath } from '../inference/model-path.ts';
import { createOutputDecoder, type OutputDecoder } from './output-decoder.ts';

/** A dictionary file's characters: one per line (a trailing newline adds none). */
export function dictionaryLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

async function readDictionary(
  uri: string,
  sha256: string | undefined,
  modelRoot?: string,
): Promise<string[]> {
  const path = modelPath(uri, modelRoot);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ModelLoadError(`cannot read dictionary ${path}: ${(err as Error).message}`, { cause: err });
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (sha256 && actual !== sha256.toLowerCase())
    throw new ModelLoadError(`dictionary ${path}: sha256 mismatch: expected ${sha256}, file has ${actual}`);
  const lines = dictionaryLines(bytes.toString('utf8'));
  if (lines.length === 0) throw new ModelLoadError(`dictionary ${path} is empty`);
  return lines;
}

export async function loadStageDecoder(
  stage: Pick<RuntimeStage, 'name' | 'output'>,
  modelRoot?: string,
): Promise<OutputDecoder> {
  const config = stage.output.decoder;
  const labels = stage.output.labels;
  const dictionary =
    config?.kind === 'ctcText'
      ? await readDictionary(config.dictionary.uri, config.dictionary.sha256, modelRoot)
      : undefined;
  return createOutputDecoder(config, {
    ...(labels ? { labels } : {}),
    ...(dictionary ? { dictionary } : {}),
  });
}
