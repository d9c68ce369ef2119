import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { boundedOriginal, excerptOfBytes, MAX_ORIGINAL_CHARS, type OriginalExcerpt } from './dead-letter.ts';

test('a small original is kept whole; a large one becomes size, hash and a bounded excerpt', () => {
  const small = { videoId: 'v', uri: 'https://x/y.mp4' };
  assert.deepEqual(boundedOriginal(small), small);
  assert.equal(boundedOriginal('short text'), 'short text');
  assert.equal(boundedOriginal(undefined), undefined);
  const big = { uri: 'https://x/y.mp4', junk: 'é'.repeat(600_000) };
  const text = JSON.stringify(big);
  const kept = boundedOriginal(big) as OriginalExcerpt;
  assert.equal(kept.truncated, true);
  assert.equal(kept.bytes, Buffer.byteLength(text));
  assert.equal(kept.sha256, createHash('sha256').update(text).digest('hex'));
  assert.equal(kept.excerpt.length, MAX_ORIGINAL_CHARS);
  assert.ok(JSON.stringify(kept).length < 2 * MAX_ORIGINAL_CHARS);
  const raw = boundedOriginal('x'.repeat(1_000_000)) as OriginalExcerpt;
  assert.equal(raw.bytes, 1_000_000);
});

test('raw bytes too large to parse keep their full size and hash', () => {
  const bytes = Buffer.from('y'.repeat(100_000));
  const kept = excerptOfBytes(bytes);
  assert.equal(kept.bytes, 100_000);
  assert.equal(kept.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.equal(kept.excerpt.length, MAX_ORIGINAL_CHARS);
  // An excerpt object passes through boundedOriginal unchanged (it is small).
  assert.deepEqual(boundedOriginal(kept), kept);
});
