// `vpo run --port`: the embedded mode serves the runtime's HTTP app while it runs. In-process, on
// three sample clips with real ffmpeg and onnxruntime; the hook queries the real port after the
// videos have settled, before the server closes.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeSampleModels } from '../scripts/gen-models.ts';
import { generateSampleVideos } from '../scripts/gen-videos.ts';
import { runCommand } from './run-command.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const sample = path.join(root, 'samples/video-classifier');
const videos = path.join(root, 'samples/videos');

before(async () => {
  if (!['scene', 'motion', 'fusion'].every((m) => existsSync(path.join(sample, 'models', `${m}.onnx`)))) {
    writeSampleModels(path.join(sample, 'models'));
  }
  if (!existsSync(path.join(videos, 'expected.json'))) await generateSampleVideos(videos);
});

test('vpo run --port serves health, readiness and the batch-size histogram of the run', async () => {
  let out = '';
  let err = '';
  const seen: { health?: number; ready?: number; metrics?: string } = {};
  const code = await runCommand(
    [
      '-f',
      sample,
      '--videos',
      path.join(videos, 'static-dark.mp4'),
      '--count',
      '3',
      '-o',
      'json',
      '--port',
      '0',
    ],
    { out: (s) => (out += s), err: (s) => (err += s) },
    {
      async afterRun(server) {
        assert.ok(server, 'no server with --port');
        assert.match(err, new RegExp(`serving ${server.url.replace(/[.]/g, '\\.')}`));
        seen.health = (await fetch(`${server.url}/healthz`)).status;
        seen.ready = (await fetch(`${server.url}/readyz`)).status;
        seen.metrics = await (await fetch(`${server.url}/metrics`)).text();
      },
    },
  );
  assert.equal(code, 0, err);
  assert.equal(seen.health, 200);
  assert.equal(seen.ready, 200);
  // Every stage ran every video: the histogram's counts of items (its sum) add up to 3 per stage.
  for (const stage of ['scene', 'motion', 'fusion']) {
    const sum = seen.metrics?.match(
      new RegExp(`^vpo_batch_size_sum\\{pipeline="video-classifier",stage="${stage}"\\} (\\S+)$`, 'm'),
    );
    assert.equal(Number(sum?.[1]), 3, `${stage}: ${seen.metrics?.slice(0, 300)}`);
    assert.match(
      seen.metrics ?? '',
      new RegExp(`vpo_batch_size_bucket\\{le="1",pipeline="video-classifier",stage="${stage}"\\}`),
    );
  }
  const summary = JSON.parse(out.trim().split('\n').at(-1)!).summary;
  assert.equal(summary.ok, 3);
  assert.match(summary.predicted.boundBy, /^(ingest|scene|motion|fusion)$/);
});

test('without --port nothing is served', async () => {
  let server: unknown = 'unset';
  const code = await runCommand(
    ['-f', sample, '--videos', path.join(videos, 'static-dark.mp4'), '-o', 'json'],
    { out: () => {}, err: () => {} },
    {
      async afterRun(s) {
        server = s;
      },
    },
  );
  assert.equal(code, 0);
  assert.equal(server, undefined);
});
