// Both sampling modes on the realistic corpus (scripts/gen-corpus.ts: 720p/1080p, 10-60 s, H.264,
// HEVC, VP9, AV1, keyframes every 1-10 s, portrait, rotated, VFR; generated once and cached):
// - uniform: every slot shows the frame nearest its time, and its pixels are those the ffmpeg CLI
//   gives for the same frame (select by timestamp, autorotate, scale=…:flags=area, rgb24) within
//   a small tolerance; without a CLI on PATH, those of FFmpeg's own filters driven by node-av's
//   high-level API (every frame decoded, `select` by timestamp), so the comparison always runs;
// - keyframes: every slot's frame is within one keyframe interval of its time, the codec
//   decodes no more pictures than there are slots, and the pixels (decoded without the
//   deblocking filter where the downscale allows) are those of a full decode within the same
//   tolerance.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { CorpusFile } from '../../scripts/gen-corpus.ts';
import { ensureCorpus } from '../../scripts/gen-corpus.ts';
import { createDirFrameStore } from '../framestore/dir-store.ts';
import type { FrameStore } from '../framestore/framestore.ts';
import type { Ingestor } from './ingestor.ts';
import { createIngestor } from './ingestor.ts';
import { referenceFrames } from './reference-frames.test-support.ts';
import { sampleTimesSeconds } from './sampling.ts';

const sampling = { frames: 6, width: 96, height: 64 };
let corpus: CorpusFile[] = [];
let dir = '';
let store: FrameStore;
const ingestors: Ingestor[] = [];

function hasCli(): boolean {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

before(async () => {
  corpus = await ensureCorpus(undefined, (line) => console.log(line));
  dir = await mkdtemp(path.join(os.tmpdir(), 'vpo-sampling-modes-'));
  store = await createDirFrameStore({ root: dir, ttlSeconds: 600 });
});
after(async () => {
  for (const i of ingestors) await i.close();
  await rm(dir, { recursive: true, force: true });
});

function ingestorFor(mode: 'uniform' | 'keyframes'): Ingestor {
  const ingestor = createIngestor(
    { sampling: { ...sampling, mode }, allowedUriSchemes: ['file'], maxVideoBytes: 5 * 2 ** 20 },
    { frameStore: store },
  );
  ingestors.push(ingestor);
  return ingestor;
}

async function ingest(ingestor: Ingestor, clip: CorpusFile) {
  const { frameRef, meta } = await ingestor.ingest({
    videoId: clip.file,
    uri: pathToFileURL(clip.path).href,
  });
  const { data } = await store.get(frameRef);
  await store.release(frameRef);
  return { meta, data };
}

test('uniform: the nearest frame to each time, with the pixels the ffmpeg CLI gives for it', async () => {
  const uniform = ingestorFor('uniform');
  const cli = hasCli();
  console.log(
    `reference: ${cli ? 'the ffmpeg CLI on PATH' : "FFmpeg's filters through node-av (no ffmpeg CLI on PATH)"}`,
  );
  const frameBytes = sampling.width * sampling.height * 3;
  for (const clip of corpus) {
    const { meta, data } = await ingest(uniform, clip);
    assert.equal(meta.samplingMode, 'uniform');
    assert.equal(meta.decodedFrames, sampling.frames, clip.file);
    const targets = sampleTimesSeconds(0, meta.durationSeconds, sampling.frames);
    // CFR: within half a frame; VFR (one frame in 7 and one in 11 dropped): within one frame.
    const slack = (clip.vfr ? 1 : 0.5) / clip.fps + 1e-3;
    meta.frameTimesSeconds.forEach((t, i) => {
      assert.ok(
        Math.abs(t - targets[i]!) <= slack,
        `${clip.file} slot ${i}: frame at ${t} s for ${targets[i]} s`,
      );
    });
    const reference = await referenceFrames(clip.path, meta.frameTimesSeconds, sampling, cli);
    assert.equal(reference.length, data.length, clip.file);
    for (let slot = 0; slot < sampling.frames; slot++) {
      let sum = 0;
      for (let i = slot * frameBytes; i < (slot + 1) * frameBytes; i++)
        sum += Math.abs(data[i]! - reference[i]!);
      const meanDiff = sum / frameBytes;
      // Tolerance: rounding in libswscale's SIMD paths differs between FFmpeg builds (5.1 vs 8.1).
      assert.ok(
        meanDiff <= 2,
        `${clip.file} slot ${slot} (${meta.frameTimesSeconds[slot]} s): mean |Δ| ${meanDiff.toFixed(2)}`,
      );
    }
  }
});

test('keyframes: each frame within one keyframe interval of its time, only keyframes decoded', async () => {
  const keyframes = ingestorFor('keyframes');
  const cli = hasCli();
  const frameBytes = sampling.width * sampling.height * 3;
  for (const clip of corpus) {
    const { meta, data } = await ingest(keyframes, clip);
    assert.equal(meta.samplingMode, 'keyframes');
    assert.equal(data.length, sampling.frames * sampling.width * sampling.height * 3);
    assert.ok(meta.codecFrames <= sampling.frames, `${clip.file}: ${meta.codecFrames} pictures decoded`);
    assert.equal(meta.decodedFrames, meta.codecFrames, clip.file);
    const targets = sampleTimesSeconds(0, meta.durationSeconds, sampling.frames);
    meta.frameTimesSeconds.forEach((t, i) => {
      assert.ok(
        Math.abs(t - targets[i]!) <= clip.gopSeconds + 1 / clip.fps,
        `${clip.file} slot ${i}: keyframe at ${t} s for ${targets[i]} s (GOP ${clip.gopSeconds} s)`,
      );
    });
    assert.equal(meta.rotationDegrees, clip.rotate ?? 0, clip.file);
    // Decoded without the deblocking filter at this downscale (sampling.ts skipsLoopFilter), each
    // slot still shows its keyframe as a full decode does, within the uniform test's tolerance.
    const reference = await referenceFrames(clip.path, meta.frameTimesSeconds, sampling, cli);
    for (let slot = 0; slot < sampling.frames; slot++) {
      let sum = 0;
      for (let i = slot * frameBytes; i < (slot + 1) * frameBytes; i++)
        sum += Math.abs(data[i]! - reference[i]!);
      const meanDiff = sum / frameBytes;
      assert.ok(meanDiff <= 2, `${clip.file} keyframe slot ${slot}: mean |Δ| ${meanDiff.toFixed(2)}`);
    }
  }
});
