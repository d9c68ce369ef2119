// The video-text sample end to end, as a user runs it: `vpo run -f samples/video-text --videos
// samples/videos-text` in a subprocess, trained PP-OCRv4 models through a fan-out (detect, one
// message per text box) and a gather (collect): at least 90% of the drawn words are read exactly,
// and the clip without text gives no line.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ExpectedText, findFont, generateTextVideos } from '../scripts/gen-text-videos.ts';
import { clipAccuracy, wordAccuracy } from '../scripts/text-accuracy.ts';
import { textModelFiles, writeTextModels } from '../scripts/text-models.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const sample = path.join(root, 'samples/video-text');
const videos = path.join(root, 'samples/videos-text');

before(async () => {
  if (!textModelFiles.every((f) => existsSync(path.join(sample, 'models', f))))
    writeTextModels(path.join(sample, 'models'));
  if (!existsSync(path.join(videos, 'expected.json'))) {
    const font = findFont();
    assert.ok(font, 'a DejaVu font (apt-get install fonts-dejavu-core) to draw the text clips');
    await generateTextVideos(videos, font);
  }
});

interface Row {
  videoId: string;
  status: 'ok' | 'dead';
  result: { collect?: { lines: { text: string; frames: number[]; boxes: unknown[] }[] } };
}

test('vpo run reads the words drawn in the text clips and no line in the clip without text', {
  timeout: 240_000,
}, async () => {
  const { stdout } = await run(
    process.execPath,
    [path.join(root, 'bin/vpo.ts'), 'run', '-f', sample, '--videos', videos, '-o', 'json'],
    { cwd: root, maxBuffer: 16 * 2 ** 20 },
  );
  const rows = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row & { summary?: unknown })
    .filter((r) => !r.summary);
  const expected = JSON.parse(readFileSync(path.join(videos, 'expected.json'), 'utf8')) as ExpectedText[];
  assert.equal(rows.length, expected.length, 'one result per video');
  const accuracy = expected.map((e) => {
    const row = rows.find((r) => r.videoId === path.basename(e.file, '.mp4'));
    assert.equal(row?.status, 'ok', e.file);
    const lines = row!.result.collect?.lines ?? [];
    for (const l of lines)
      assert.ok(l.frames.length > 0 && l.boxes.length > 0, `${e.file}: where "${l.text}" was`);
    return clipAccuracy(
      e,
      lines.map((l) => l.text),
    );
  });
  const words = wordAccuracy(accuracy);
  assert.ok(words >= 0.9, `words read exactly: ${(100 * words).toFixed(1)}% ${JSON.stringify(accuracy)}`);
  const none = accuracy.find((a) => a.file === 'no-text.mp4');
  assert.equal(none?.extraLines, 0, 'no line read on the clip without text');
  // A static caption seen on every sampled frame is one line, with all its frames.
  const caption = rows.find((r) => r.videoId === 'static-caption')!.result.collect!.lines;
  assert.deepEqual(
    caption.map((l) => [l.text.toLowerCase(), l.frames]),
    [['breaking news tonight', [0, 1, 2, 3]]],
  );
});
