// `vpo profile --ingest` on generated clips: prints an ingestProfile the planner reads (per codec
// and resolution class, integer ms), skips what is not a video with its reason, refuses bad input.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as yaml from 'js-yaml';
import type { VideoPipelineIngestProfile } from '../../contract/crd-types.generated.ts';
import { generateSampleVideos, sampleClips } from '../../scripts/gen-videos.ts';
import { ingestProfileCommand } from './ingest-profile-command.ts';

let dir = '';
const clips = sampleClips.filter((c) =>
  ['moving-colorful.mp4', 'large-moving-dark.mp4', 'static-dark.webm'].includes(c.file),
);

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vpo-ingest-profile-'));
  await generateSampleVideos(path.join(dir, 'videos'), clips);
  await writeFile(path.join(dir, 'videos', 'notes.mp4'), 'not a video');
  await writeFile(
    path.join(dir, 'pipeline.yaml'),
    'apiVersion: serving.vpo.dev/v1alpha1\nkind: VideoPipeline\nmetadata: {name: p}\nspec:\n  sampling: {frames: 4, width: 32, height: 32, mode: keyframes}\n',
  );
});
after(() => rm(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await ingestProfileCommand(
    argv,
    { out: (s) => out.push(s), err: (s) => err.push(s) },
    () => new Date('2026-12-01T00:00:00Z'),
  );
  return { code, out: out.join(''), err: err.join('') };
}

test('prints the ingestProfile at the pipeline sampling, per codec and resolution class', async () => {
  const r = await run(
    '--ingest',
    path.join(dir, 'videos'),
    '-f',
    path.join(dir, 'pipeline.yaml'),
    '--repeats',
    '1',
  );
  assert.equal(r.code, 0, r.err);
  const { ingestProfile: p } = yaml.load(r.out) as { ingestProfile: VideoPipelineIngestProfile };
  assert.deepEqual(p.sampling, { frames: 4, width: 32, height: 32, mode: 'keyframes' });
  assert.equal(p.videos, 3);
  assert.ok(Number.isInteger(p.meanCpuMillisPerVideo) && p.meanCpuMillisPerVideo >= 1);
  assert.ok(p.maxCpuMillisPerVideo >= p.meanCpuMillisPerVideo);
  assert.deepEqual(
    p.classes?.map((c) => [c.codec, c.resolution, c.videos]),
    [
      ['h264', '144p', 1],
      ['h264', '240p', 1],
      ['vp9', '144p', 1],
    ],
  );
  assert.equal(p.measuredAt, '2026-12-01T00:00:00.000Z');
  assert.match(r.err, /notes\.mp4: skipped, NotAVideo/);
  assert.match(r.err, /moving-colorful\.mp4: h264 144p, [\d.]+ ms CPU/);
});

test('sampling from flags; bad input is refused with the usage', async () => {
  const ok = await run(
    '--ingest',
    path.join(dir, 'videos', 'static-dark.webm'),
    '--frames',
    '2',
    '--width',
    '8',
    '--height',
    '8',
    '--repeats',
    '1',
  );
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /mode: uniform/);
  for (const argv of [
    ['--ingest'],
    ['--ingest', path.join(dir, 'videos'), '--frames', '0', '--width', '8', '--height', '8'],
    [
      '--ingest',
      path.join(dir, 'videos'),
      '--frames',
      '2',
      '--width',
      '8',
      '--height',
      '8',
      '--mode',
      'sometimes',
    ],
    ['--ingest', path.join(dir, 'videos'), '-f', path.join(dir, 'missing.yaml')],
  ]) {
    const r = await run(...argv);
    assert.equal(r.code, 1, argv.join(' '));
    assert.match(r.err, /usage: vpo profile --ingest/);
  }
  const none = await run(
    '--ingest',
    path.join(dir, 'videos', 'notes.mp4'),
    '--frames',
    '2',
    '--width',
    '8',
    '--height',
    '8',
  );
  assert.equal(none.code, 1);
  assert.match(none.err, /no video could be ingested/);
});
