// `npm run gen:models [-- --samples-only]`: writes the sample pipeline's models to
// samples/video-classifier/models/ and the benchmark models to bench/models/. Generated, never
// committed; deterministic, so two runs write the same bytes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mobilenetModel, resnet18Model } from './onnx/bench-models.ts';
import { fusionModel, motionModel, sceneModel } from './onnx/sample-models.ts';

export function writeSampleModels(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const models = { scene: sceneModel(), motion: motionModel(), fusion: fusionModel() };
  return Object.entries(models).map(([name, bytes]) => {
    const path = join(dir, `${name}.onnx`);
    writeFileSync(path, bytes);
    return path;
  });
}

export function writeBenchModels(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const models = { mobilenet: mobilenetModel, resnet18: resnet18Model };
  return Object.entries(models).map(([name, build]) => {
    const path = join(dir, `${name}.onnx`);
    writeFileSync(path, build());
    return path;
  });
}

function main(argv: string[]): void {
  const root = new URL('..', import.meta.url).pathname;
  const written = writeSampleModels(join(root, 'samples/video-classifier/models'));
  if (!argv.includes('--samples-only')) written.push(...writeBenchModels(join(root, 'bench/models')));
  for (const path of written) process.stdout.write(`wrote ${path}\n`);
}

if (import.meta.main) main(process.argv.slice(2));
