// The header parsers against ffprobe on every generated clip (MP4 with the index first and last,
// WebM, rotated, VFR, few frames, 20 minutes, with audio, timestamps starting at 100 s), and on damaged headers: a cut anywhere in the
// index, sizes that lie, a missing duration, an unknown codec, random byte damage. Damage never
// throws past the parser and never yields an implausible answer: the caller falls back to ffprobe.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ContainerFixtures, HostileFixtures } from '../../scripts/gen-videos.ts';
import {
  generateContainerFixtures,
  generateHostileFixtures,
  generateSampleVideos,
  sampleClips,
} from '../../scripts/gen-videos.ts';
import { bufferSource } from './byte-source.ts';
import { probeContainerHeader, probeHeaderSource } from './container.ts';
import { probeVideo } from './probe.ts';

let dir = '';
let hostile: HostileFixtures;
let variants: ContainerFixtures;
let mp4: Buffer;
let webm: Buffer;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vpo-container-'));
  await generateSampleVideos(path.join(dir, 'videos'));
  hostile = await generateHostileFixtures(path.join(dir, 'hostile'));
  mp4 = await readFile(path.join(dir, 'videos', 'moving-colorful.mp4'));
  webm = await readFile(path.join(dir, 'videos', 'moving-colorful.webm'));
  variants = await generateContainerFixtures(
    path.join(dir, 'variants'),
    path.join(dir, 'videos', 'moving-colorful.mp4'),
    path.join(dir, 'videos', 'moving-colorful.webm'),
  );
});
after(() => rm(dir, { recursive: true, force: true }));

const probe = (data: Buffer) => probeHeaderSource(bufferSource(data));

test('the header gives what ffprobe gives on every sample clip and on the long and cut ones', async () => {
  const files = [
    ...sampleClips.map((c) => path.join(dir, 'videos', c.file)),
    hostile.long,
    hostile.longWebm,
    hostile.truncatedWithIndex,
    ...Object.values(variants),
  ];
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 + 1e-6 * Math.abs(b);
  for (const file of files) {
    const header = await probeContainerHeader(file);
    assert.ok(header, `${path.basename(file)}: the header path fell back`);
    const ffprobe = await probeVideo('ffprobe', file, 10_000);
    const message = `${file}: ${JSON.stringify(header)} vs ${JSON.stringify(ffprobe)}`;
    assert.ok(close(header.averageFps, ffprobe.averageFps), message);
    assert.ok(close(header.startSeconds, ffprobe.startSeconds), message);
    assert.deepEqual(
      { ...header, averageFps: 0, startSeconds: 0 },
      { ...ffprobe, averageFps: 0, startSeconds: 0 },
      message,
    );
  }
  // Opus's CodecDelay moves the audio 7 ms before 0, so the video starts 14 ms into the file.
  assert.equal((await probeContainerHeader(variants.withAudioWebm))?.startSeconds, 0.014);
  assert.equal((await probeContainerHeader(variants.offsetMp4))?.startSeconds, 0);
  const portrait = await probeContainerHeader(path.join(dir, 'videos', 'portrait-moving-colorful.mp4'));
  assert.equal(portrait?.rotationDegrees, 90);
  // The 20-minute clip has its index after the media: read from the end, not the head.
  assert.equal((await probeContainerHeader(hostile.long))?.durationSeconds, 1200);
});

test('files the header cannot vouch for are left to ffprobe', async () => {
  for (const file of [
    hostile.notAVideo,
    hostile.zeroBytes,
    hostile.truncatedNoIndex,
    hostile.audioOnly,
    path.join(dir, 'missing.mp4'),
    dir,
  ]) {
    assert.equal(await probeContainerHeader(file), undefined, file);
  }
});

test('an MP4 cut anywhere before the end of its index, or with lying sizes, falls back', async () => {
  const moov = mp4.indexOf('moov', 0, 'latin1') - 4;
  const moovEnd = moov + mp4.readUInt32BE(moov);
  assert.ok(moov > 0 && moovEnd <= mp4.length);
  for (let cut = 0; cut < moovEnd; cut += 3) {
    assert.equal(await probe(mp4.subarray(0, cut)), undefined, `cut at ${cut}`);
  }
  assert.ok(await probe(mp4.subarray(0, moovEnd)), 'the index alone is enough');
  const patched = (at: number, write: (b: Buffer) => void) => {
    const copy = Buffer.from(mp4);
    write(copy.subarray(at));
    return copy;
  };
  const mvhd = mp4.indexOf('mvhd', 0, 'latin1') + 4;
  const stsdEntry = mp4.indexOf('stsd', 0, 'latin1') + 4 + 8;
  const tkhd = mp4.indexOf('tkhd', 0, 'latin1') - 4;
  for (const [what, damaged] of [
    ['moov larger than the file', patched(moov, (b) => b.writeUInt32BE(0xfffffff0))],
    ['moov smaller than a header', patched(moov, (b) => b.writeUInt32BE(3))],
    ['a child box overruns moov', patched(tkhd, (b) => b.writeUInt32BE(0x7fffffff))],
    ['no movie duration (fragmented)', patched(mvhd + 16, (b) => b.writeUInt32BE(0))],
    ['unknown duration', patched(mvhd + 16, (b) => b.writeUInt32BE(0xffffffff))],
    ['zero timescale', patched(mvhd + 12, (b) => b.writeUInt32BE(0))],
    ['unknown codec', patched(stsdEntry + 4, (b) => b.write('xxxx', 'latin1'))],
    ['no ftyp first', patched(4, (b) => b.write('free', 'latin1'))],
  ] as const) {
    assert.equal(await probe(damaged), undefined, what);
  }
});

test('a WebM cut before its first cluster, or without a duration, falls back', async () => {
  const cluster = webm.indexOf(Buffer.from([0x1f, 0x43, 0xb6, 0x75]));
  assert.ok(cluster > 0);
  for (let cut = 0; cut < cluster + 8; cut += 2) {
    assert.equal(await probe(webm.subarray(0, cut)), undefined, `cut at ${cut}`);
  }
  const without = (id: number[], replacement: number[]) => {
    const copy = Buffer.from(webm);
    const at = copy.indexOf(Buffer.from(id));
    assert.ok(at > 0);
    copy.set(replacement, at);
    return copy;
  };
  // Same-length IDs the parser does not know: the element is skipped as if absent.
  assert.equal(await probe(without([0x44, 0x89], [0x44, 0x88])), undefined, 'no Duration (live)');
  assert.equal(await probe(without([0x86, 0x85, 0x56], [0x86, 0x85, 0x58])), undefined, 'unknown CodecID');
  assert.equal(await probe(without([0x42, 0x82, 0x84], [0x42, 0x82, 0x84, 0x78])), undefined, 'DocType');
  assert.ok(await probe(webm));
});

test('random byte damage in the headers never throws and never gives an implausible answer', async () => {
  let seed = 12345;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (const original of [mp4, webm]) {
    const span = Math.min(original.length, 1500);
    for (let i = 0; i < 400; i++) {
      const copy = Buffer.from(original);
      for (let k = 0; k < 1 + random(4); k++) copy[random(span)] = random(256);
      const result = await probe(copy);
      if (result) {
        assert.ok(result.durationSeconds > 0 && Number.isFinite(result.durationSeconds));
        assert.ok(Number.isInteger(result.width) && result.width > 0);
        assert.ok(Number.isInteger(result.height) && result.height > 0);
      }
    }
  }
});
