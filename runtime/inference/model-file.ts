// Reads a model file and checks its integrity before onnxruntime sees it.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ModelLoadError } from './errors.ts';

export async function readModelFile(path: string, sha256?: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ModelLoadError(`cannot read model ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (sha256) {
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256.toLowerCase()) {
      throw new ModelLoadError(`model ${path}: sha256 mismatch: expected ${sha256}, file has ${actual}`);
    }
  }
  return bytes;
}
