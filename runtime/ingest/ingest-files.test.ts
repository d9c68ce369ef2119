// Real decoding (FFmpeg's libraries in the decode workers) on generated clips: every sample clip
// yields the asked frames at the asked size with statistics matching its label, and every hostile
// file ends in its reason while the ingestor keeps serving the next video.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Registry } from 'prom-client';
import type { HostileFixtures } from '../../scripts/gen-videos.ts';
import { generateHostileFixtures, generateSampleVideos, sampleClips } from '../../scripts/gen-videos.ts';
import { encodeClip } from '../../scripts/media/encode.ts';
import { createDirFrameStore } from '../framestore/dir-store.ts';
import type { FrameStore } from '../framestore/framestore.ts';
import { createRuntimeMetrics } from '../metrics.ts';
import type { IngestError } from './errors.ts';
import type { Ingestor } from './ingestor.ts';
import { createIngestor } from './ingestor.ts';

const sampling = { frames: 8, width: 32, height: 24 };
let dir = '';
let hostile: HostileFixtures;
let store: FrameStore;
let ingestor: Ingestor;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vpo-ingest-files-'));
  await generateSampleVideos(path.join(dir, 'videos'));
  hostile = await generateHostileFixtures(path.join(dir, 'hostile'));
  store = await createDirFrameStore({ root: path.join(dir, 'frames'), ttlSeconds: 60 });
  ingestor = createIngestor(
    { sampling, allowedUriSchemes: ['file'], maxVideoBytes: 1 << 20, maxDurationSeconds: 600 },
    { frameStore: store },
  );
});
after(async () => {
  await ingestor.close();
  await rm(dir, { recursive: true, force: true });
});

const uri = (file: string) => pathToFileURL(file).href;

function stats(data: Uint8Array, frames: number) {
  const frameBytes = data.length / frames;
  let luma = 0;
  let saturation = 0;
  let diff = 0;
  for (let i = 0; i < data.length; i += 3) {
    const [r, g, b] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
    luma += 0.299 * r + 0.587 * g + 0.114 * b;
    const max = Math.max(r, g, b);
    saturation += max === 0 ? 0 : (max - Math.min(r, g, b)) / max;
  }
  for (let i = frameBytes; i < data.length; i++)
    diff += Math.abs((data[i] ?? 0) - (data[i - frameBytes] ?? 0));
  const pixels = data.length / 3;
  return { luma: luma / pixels, saturation: saturation / pixels, diff: diff / (data.length - frameBytes) };
}

test('every sample clip gives the asked frames, and its pixels match its label', async () => {
  for (const clip of sampleClips) {
    const { frameRef, meta } = await ingestor.ingest({
      videoId: clip.file,
      uri: uri(path.join(dir, 'videos', clip.file)),
    });
    const { data, meta: stored } = await store.get(frameRef);
    assert.deepEqual(stored, { ...sampling, channels: 3 }, clip.file);
    assert.equal(data.length, 8 * 32 * 24 * 3, clip.file);
    const s = stats(data, sampling.frames);
    const scene =
      s.saturation > 0.5 ? 'colorful' : s.luma < 50 ? 'dark' : s.luma > 180 ? 'bright' : 'unclear';
    assert.equal(scene, clip.scene, `${clip.file} ${JSON.stringify(s)}`);
    assert.equal(
      s.diff > 10 ? 'moving' : s.diff < 1 ? 'static' : 'unclear',
      clip.motion,
      `${clip.file} ${JSON.stringify(s)}`,
    );
    assert.equal(meta.decodedFrames + meta.repeatedFrames, sampling.frames);
    await store.release(frameRef);
  }
  assert.equal(await store.sizeBytes(), 0);
});

test('each ingest records its decode CPU time by codec, resolution class and mode', async () => {
  const metrics = createRuntimeMetrics(new Registry());
  const measured = createIngestor(
    { sampling, allowedUriSchemes: ['file'], maxVideoBytes: 1 << 20 },
    { frameStore: store, metrics },
  );
  try {
    for (const file of ['large-moving-dark.mp4', 'moving-bright.webm']) {
      const { frameRef } = await measured.ingest({ videoId: file, uri: uri(path.join(dir, 'videos', file)) });
      await store.release(frameRef);
    }
  } finally {
    await measured.close();
  }
  const counts = (await metrics.decodeCpuSeconds.get()).values
    .filter((v) => v.metricName === 'vpo_decode_cpu_seconds_count')
    .map((v) => [v.labels.codec, v.labels.resolution, v.labels.mode, v.value]);
  assert.deepEqual(counts, [
    ['h264', '240p', 'uniform', 1],
    ['vp9', '144p', 'uniform', 1],
  ]);
});

test('short clips repeat frames and say so; rotated clips are reported and decoded upright', async () => {
  const few = await ingestor.ingest({
    videoId: 'few',
    uri: uri(path.join(dir, 'videos', 'few-frames-static-bright.mp4')),
  });
  assert.deepEqual([few.meta.decodedFrames, few.meta.repeatedFrames], [4, 4]);
  const portrait = await ingestor.ingest({
    videoId: 'portrait',
    uri: uri(path.join(dir, 'videos', 'portrait-moving-colorful.mp4')),
  });
  assert.equal(Math.abs(portrait.meta.rotationDegrees) % 180, 90);
  assert.equal(portrait.meta.resize, 'stretch');
  const vfr = await ingestor.ingest({
    videoId: 'vfr',
    uri: uri(path.join(dir, 'videos', 'vfr-moving-bright.mp4')),
  });
  assert.equal(vfr.meta.decodedFrames, 8);
  for (const ref of [few.frameRef, portrait.frameRef, vfr.frameRef]) await store.release(ref);
});

test('each hostile file ends in its reason and the next video still ingests', async () => {
  const cases: Array<[string, string]> = [
    [uri(hostile.notAVideo), 'NotAVideo'],
    [uri(hostile.zeroBytes), 'EmptyVideo'],
    [uri(hostile.truncatedNoIndex), 'DecodeFailed'],
    [uri(hostile.audioOnly), 'NotAVideo'],
    [uri(hostile.long), 'TooLong'],
    [uri(hostile.longWebm), 'TooLong'],
    [uri(path.join(dir, 'missing.mp4')), 'NotFound'],
    [uri(dir), 'NotAVideo'],
    ['file:///dev/zero', 'NotAVideo'],
    ['ftp://example.com/v.mp4', 'SchemeNotAllowed'],
    ['https://example.com/v.mp4', 'SchemeNotAllowed'],
    ['not a uri', 'InvalidMessage'],
  ];
  for (const [source, reason] of cases) {
    await assert.rejects(ingestor.ingest({ videoId: 'bad', uri: source }), (err: IngestError) => {
      assert.equal(err.reason, reason, `${source}: ${err.message}`);
      return true;
    });
    const ok = await ingestor.ingest({
      videoId: 'good',
      uri: uri(path.join(dir, 'videos', 'static-dark.mp4')),
    });
    await store.release(ok.frameRef);
  }
  const partial = await ingestor.ingest({ videoId: 'cut', uri: uri(hostile.truncatedWithIndex) });
  assert.ok(partial.meta.decodedFrames >= 1 && partial.meta.decodedFrames < sampling.frames);
  assert.equal(partial.meta.repeatedFrames, sampling.frames - partial.meta.decodedFrames);
  await store.release(partial.frameRef);
});

test('keyframe sampling meets the same hostile files with the same reasons', async () => {
  const keyframes = createIngestor(
    { sampling: { ...sampling, mode: 'keyframes' }, allowedUriSchemes: ['file'], maxVideoBytes: 1 << 20 },
    { frameStore: store },
  );
  try {
    for (const [file, reason] of [
      [hostile.notAVideo, 'NotAVideo'],
      [hostile.truncatedNoIndex, 'DecodeFailed'],
      [hostile.audioOnly, 'NotAVideo'],
      [hostile.long, 'TooLong'],
      [hostile.hugeDims, 'FrameTooLarge'],
    ] as const) {
      await assert.rejects(keyframes.ingest({ videoId: 'bad', uri: uri(file) }), { reason }, file);
    }
    const cut = await keyframes.ingest({ videoId: 'cut', uri: uri(hostile.truncatedWithIndex) });
    assert.equal(cut.meta.decodedFrames + cut.meta.repeatedFrames, sampling.frames);
    await store.release(cut.frameRef);
    const ts = await keyframes.ingest({ videoId: 'ts', uri: uri(hostile.mpegts) });
    assert.ok(ts.meta.codecFrames >= 1 && ts.meta.codecFrames <= sampling.frames);
    await store.release(ts.frameRef);
  } finally {
    await keyframes.close();
  }
});

test('containers without size or duration in a header (MPEG-TS) still ingest', async () => {
  const { frameRef, meta } = await ingestor.ingest({ videoId: 'ts', uri: uri(hostile.mpegts) });
  assert.equal(meta.container, 'mpegts');
  assert.ok(Math.abs(meta.durationSeconds - 1) < 0.2, String(meta.durationSeconds));
  assert.equal(meta.decodedFrames, sampling.frames);
  await store.release(frameRef);
});

test('a declared duration over maxDurationSeconds is TooLong from the header, in MP4 and WebM', async () => {
  const strict = createIngestor(
    { sampling, allowedUriSchemes: ['file'], maxVideoBytes: 1 << 20, maxDurationSeconds: 1.5 },
    { frameStore: store },
  );
  for (const file of ['moving-dark.mp4', 'moving-bright.webm', 'static-dark.webm']) {
    const clip = sampleClips.find((c) => c.file === file)!;
    const result = strict.ingest({ videoId: file, uri: uri(path.join(dir, 'videos', file)) });
    if (clip.durationSeconds > 1.5) await assert.rejects(result, { reason: 'TooLong' }, file);
    else await store.release((await result).frameRef);
  }
  await strict.close();
});

test('a file over maxVideoBytes is refused before decoding', async () => {
  const small = createIngestor(
    { sampling, allowedUriSchemes: ['file'], maxVideoBytes: 100 },
    { frameStore: store },
  );
  await assert.rejects(
    small.ingest({ videoId: 'big', uri: uri(path.join(dir, 'videos', 'moving-colorful.mp4')) }),
    {
      reason: 'TooLarge',
    },
  );
  await small.close();
});

test('a long video is sought through, not decoded through: a few GOPs per slot in both modes', async () => {
  // 5 minutes at 5 fps with a keyframe every 2 s: 1500 frames, 8 slots 37.5 s apart.
  const long = path.join(dir, 'five-minutes.mp4');
  await encodeClip(long, {
    graph: 'testsrc2=s=32x32:r=5:d=300,format=yuv420p',
    videoCodec: 'libx264',
    videoOptions: { preset: 'ultrafast' },
    gopFrames: 10,
  });
  const { frameRef, meta } = await ingestor.ingest({ videoId: 'long', uri: uri(long) });
  await store.release(frameRef);
  assert.ok(meta.seeks >= 7, `${meta.seeks} seeks`);
  assert.ok(meta.codecFrames < 150, `${meta.codecFrames} of 1500 frames decoded`);
  meta.frameTimesSeconds.forEach((t, i) => {
    assert.ok(Math.abs(t - (i + 0.5) * 37.5) <= 0.1, `slot ${i} at ${t} s`);
  });
  const keyframes = createIngestor(
    { sampling: { ...sampling, mode: 'keyframes' }, allowedUriSchemes: ['file'], maxVideoBytes: 1 << 20 },
    { frameStore: store },
  );
  const k = await keyframes.ingest({ videoId: 'long-k', uri: uri(long) });
  await store.release(k.frameRef);
  await keyframes.close();
  assert.ok(k.meta.seeks >= 7 && k.meta.codecFrames === 8, JSON.stringify(k.meta));
  k.meta.frameTimesSeconds.forEach((t, i) => {
    assert.ok(Math.abs(t - (i + 0.5) * 37.5) <= 1, `keyframe slot ${i} at ${t} s`);
  });
});

test('a 634-byte stream declaring 16000×16000 pictures is FrameTooLarge before a decoder allocates', async () => {
  const before = process.memoryUsage().rss;
  await assert.rejects(
    ingestor.ingest({ videoId: 'bomb', uri: uri(hostile.hugeDims) }),
    (err: IngestError) => {
      assert.equal(err.reason, 'FrameTooLarge', err.message);
      assert.match(err.message, /16000×16000 = 256000000 pixels > maxPixelsPerFrame 8294400/);
      return true;
    },
  );
  // One such picture is 384 MB of YUV; refusing it up front keeps the process where it was.
  const grownMiB = (process.memoryUsage().rss - before) / 2 ** 20;
  assert.ok(grownMiB < 100, `RSS grew ${grownMiB.toFixed(0)} MiB`);
  const next = await ingestor.ingest({
    videoId: 'next',
    uri: uri(path.join(dir, 'videos', 'static-dark.mp4')),
  });
  await store.release(next.frameRef);
});

test("the pixel and decoded-bytes bounds are the pipeline's: over either, the video gets its reason", async () => {
  const bounded = createIngestor(
    {
      sampling,
      allowedUriSchemes: ['file'],
      maxVideoBytes: 1 << 20,
      maxPixelsPerFrame: 160 * 120,
      maxDecodedBytesPerVideo: 10 * 160 * 120 * 1.5,
    },
    { frameStore: store },
  );
  try {
    // 320×240 > 160×120 pixels: refused from the container header.
    await assert.rejects(
      bounded.ingest({ videoId: 'px', uri: uri(path.join(dir, 'videos', 'large-moving-dark.mp4')) }),
      { reason: 'FrameTooLarge' },
    );
    // MPEG-TS has no size in a header: the probing decoder is held to the same bound.
    const ts = createIngestor(
      { sampling, allowedUriSchemes: ['file'], maxVideoBytes: 1 << 20, maxPixelsPerFrame: 32 * 32 },
      { frameStore: store },
    );
    await assert.rejects(ts.ingest({ videoId: 'ts', uri: uri(hostile.mpegts) }), { reason: 'FrameTooLarge' });
    await ts.close();
    // 160×120 at 10 fps for 2 s: 20 frames of 28.8 KB decoded, over a budget of 10 frames.
    await assert.rejects(
      bounded.ingest({ videoId: 'bytes', uri: uri(path.join(dir, 'videos', 'moving-dark.mp4')) }),
      (err: IngestError) => {
        assert.equal(err.reason, 'DecodeBudgetExceeded', err.message);
        assert.match(err.message, /maxDecodedBytes 288000/);
        return true;
      },
    );
    // Within both bounds the same ingestor goes on working.
    const ok = await bounded.ingest({
      videoId: 'ok',
      uri: uri(path.join(dir, 'videos', 'few-frames-static-bright.mp4')),
    });
    await store.release(ok.frameRef);
  } finally {
    await bounded.close();
  }
});

test('source.decoder gpu without NVDEC says so (DecoderUnavailable) and the next video still ingests', async () => {
  const gpu = createIngestor(
    { sampling, allowedUriSchemes: ['file'], maxVideoBytes: 1 << 20, decoder: 'gpu' },
    { frameStore: store },
  );
  try {
    await assert.rejects(
      gpu.ingest({ videoId: 'gpu', uri: uri(path.join(dir, 'videos', 'static-dark.mp4')) }),
      (err: IngestError) => {
        assert.equal(err.reason, 'DecoderUnavailable', err.message);
        assert.match(err.message, /source\.decoder is gpu, but no NVDEC device can be opened here/);
        return true;
      },
    );
  } finally {
    await gpu.close();
  }
  const next = await ingestor.ingest({
    videoId: 'next',
    uri: uri(path.join(dir, 'videos', 'static-dark.mp4')),
  });
  await store.release(next.frameRef);
});
