// `vpo run` end to end, as a user runs it: a subprocess on the sample videos with real ffmpeg and
// onnxruntime, plus a file that is not a video among them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeSampleModels } from '../scripts/gen-models.ts';
import { type ExpectedEntry, generateSampleVideos } from '../scripts/gen-videos.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const sample = path.join(root, 'samples/video-classifier');
const videos = path.join(root, 'samples/videos');
const vpo = path.join(root, 'bin/vpo.ts');
const scratch = mkdtempSync(path.join(tmpdir(), 'vpo-run-test-'));
const hostile = path.join(scratch, 'hostile.mp4');

before(async () => {
  if (!['scene', 'motion', 'fusion'].every((m) => existsSync(path.join(sample, 'models', `${m}.onnx`)))) {
    writeSampleModels(path.join(sample, 'models'));
  }
  if (!existsSync(path.join(videos, 'expected.json'))) await generateSampleVideos(videos);
  writeFileSync(hostile, 'this is a text file pretending to be a video\n'.repeat(40));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

async function vpoRun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [vpo, 'run', ...args], {
      cwd: root,
      maxBuffer: 16 * 2 ** 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface Row {
  videoId: string;
  source: string;
  status: 'ok' | 'dead';
  result: Record<string, { label?: string; scores: number[] }>;
  reason?: string;
}

/** `vpo run -o json` output: one row per video, then the summary line. */
function jsonRun<Summary>(stdout: string): { rows: Row[]; summary: Summary } {
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row & { summary?: Summary });
  return { rows: lines.slice(0, -1), summary: lines.at(-1)?.summary as Summary };
}

const expectedVideos = async () =>
  (await import(path.join(videos, 'expected.json'), { with: { type: 'json' } })).default as ExpectedEntry[];

test('vpo run labels every sample video as expected and dead-letters a file that is not a video', async () => {
  const { code, stdout, stderr } = await vpoRun([
    '-f',
    sample,
    '--videos',
    videos,
    '--videos',
    hostile,
    '-o',
    'json',
  ]);
  assert.equal(code, 0, stderr);
  const { rows, summary } = jsonRun<{
    videos: number;
    ok: number;
    dead: number;
    deadLetters: Record<string, number>;
  }>(stdout);
  const expected = await expectedVideos();
  assert.equal(rows.length, expected.length + 1);
  for (const entry of expected) {
    const row = rows.find((r) => path.basename(r.source) === entry.file);
    assert.ok(row, `no row for ${entry.file}`);
    assert.equal(row.status, 'ok', `${entry.file}: ${row.reason}`);
    assert.equal(row.result.scene?.label, entry.scene, entry.file);
    assert.equal(row.result.motion?.label, entry.motion, entry.file);
    assert.equal(row.result.fusion?.label, entry.label, entry.file);
    assert.equal(row.result.scene?.scores.length, 3);
  }
  const dead = rows.find((r) => r.source === hostile);
  assert.equal(dead?.status, 'dead');
  assert.equal(dead?.reason, 'NotAVideo');
  assert.deepEqual(dead?.result, {});
  assert.equal(summary.videos, expected.length + 1);
  assert.equal(summary.ok, expected.length);
  assert.equal(summary.dead, 1);
  assert.deepEqual(summary.deadLetters, { NotAVideo: 1 });
});

test('vpo run without the generated models tells the user to prepare the samples', async () => {
  const { code, stderr } = await vpoRun(['-f', sample, '--videos', hostile, '--model-root', scratch]);
  assert.equal(code, 1);
  assert.match(stderr, /npm run prepare-samples/);
});

test('vpo run rejects bad arguments with usage', async () => {
  const noVideos = await vpoRun(['-f', sample, '--videos', path.join(scratch, 'nowhere')]);
  assert.equal(noVideos.code, 1);
  assert.match(noVideos.stderr, /no such file or directory/);
  const badOutput = await vpoRun(['-f', sample, '--videos', hostile, '-o', 'xml']);
  assert.equal(badOutput.code, 1);
  assert.match(badOutput.stderr, /usage: vpo run/);
});

test('vpo run --profile predicts from every part measured alone; the probe videos are not the run`s', async () => {
  const { code, stdout, stderr } = await vpoRun([
    '-f',
    sample,
    '--videos',
    videos,
    '--profile',
    '-o',
    'json',
  ]);
  assert.equal(code, 0, stderr);
  const { rows, summary } = jsonRun<{
    videos: number;
    cpuMsPerVideo: number;
    predicted: {
      capacityVps: number;
      boundBy: string;
      cpuBoundVps: number;
      mainThreadBoundVps: number;
      parts: {
        ingest: { cpuMs: number };
        stages: Record<string, { cpuMs: number }>;
        plumbing: { cpuMs: number };
      };
    };
  }>(stdout);
  const expected = await expectedVideos();
  assert.equal(rows.length, expected.length, 'one row per video given, none for the probe');
  assert.equal(summary.videos, expected.length);
  assert.ok(summary.cpuMsPerVideo > 0);
  const { parts } = summary.predicted;
  assert.deepEqual(Object.keys(parts.stages).sort(), ['fusion', 'motion', 'scene']);
  for (const part of [parts.ingest, parts.plumbing, ...Object.values(parts.stages)])
    assert.ok(part.cpuMs > 0);
  const { capacityVps, cpuBoundVps, mainThreadBoundVps } = summary.predicted;
  assert.ok(
    Math.abs(capacityVps - Math.min(cpuBoundVps, mainThreadBoundVps)) < 0.01,
    JSON.stringify(summary.predicted),
  );
  assert.ok(['cpu', 'main thread'].includes(summary.predicted.boundBy));
});
