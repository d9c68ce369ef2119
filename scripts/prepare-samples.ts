// `npm run prepare-samples` (also run after `npm ci`): generates what the sample pipeline needs
// and the repository never commits — the ONNX models and the sample videos. Idempotent. Without
// ffmpeg the videos are skipped with a message, so an install never fails for want of it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { writeBenchModels, writeSampleModels } from './gen-models.ts';
import { generateSampleVideos } from './gen-videos.ts';

function hasFfmpeg(): boolean {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const root = new URL('..', import.meta.url).pathname;
  const models = [
    ...writeSampleModels(join(root, 'samples/video-classifier/models')),
    ...writeBenchModels(join(root, 'bench/models')),
  ];
  process.stdout.write(
    `vpo: ${models.length} models written (samples/video-classifier/models, bench/models)\n`,
  );
  if (!hasFfmpeg()) {
    process.stdout.write(
      'vpo: ffmpeg not found: sample videos skipped (apt-get install ffmpeg, then npm run prepare-samples)\n',
    );
    return;
  }
  await generateSampleVideos(join(root, 'samples/videos'));
  process.stdout.write('vpo: sample videos ready in samples/videos\n');
}

await main();
