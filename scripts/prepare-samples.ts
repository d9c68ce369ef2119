// `npm run prepare-samples` (also run after `npm ci`): generates what the sample pipeline needs
// and the repository never commits — the ONNX models and the sample videos (encoded with FFmpeg's
// libraries from the node-av package: no system ffmpeg needed). Idempotent.
import { join } from 'node:path';
import { writeBenchModels, writeSampleModels } from './gen-models.ts';
import { generateSampleVideos } from './gen-videos.ts';

async function main(): Promise<void> {
  const root = new URL('..', import.meta.url).pathname;
  const models = [
    ...writeSampleModels(join(root, 'samples/video-classifier/models')),
    ...writeBenchModels(join(root, 'bench/models')),
  ];
  process.stdout.write(
    `vpo: ${models.length} models written (samples/video-classifier/models, bench/models)\n`,
  );
  await generateSampleVideos(join(root, 'samples/videos'));
  process.stdout.write('vpo: sample videos ready in samples/videos\n');
}

await main();
