import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMessage, encodeSourceVideo, SOURCE_STAGE } from './codec.ts';

const source = (value: unknown) =>
  decodeMessage(
    Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    'src',
    SOURCE_STAGE,
    1234,
  );

test('the source-topic form becomes the first stage message, stamped with the record time', () => {
  const decoded = source({ videoId: 'v1', uri: 'https://example.com/a.mp4' });
  assert.deepEqual(decoded, {
    ok: true,
    message: { videoId: 'v1', source: 'https://example.com/a.mp4', ingestedAtMs: 1234, outputs: {} },
  });
});

test('what POST /v1/videos publishes decodes as a source video', () => {
  const record = encodeSourceVideo({ videoId: 'v2', uri: 'file:///v2.mp4' });
  assert.equal(record.key, 'v2');
  assert.deepEqual(JSON.parse(record.value), { videoId: 'v2', uri: 'file:///v2.mp4' });
  const decoded = decodeMessage(Buffer.from(record.value), 'src', SOURCE_STAGE, 5);
  assert.equal(decoded.ok && decoded.message.source, 'file:///v2.mp4');
});

test('the internal shape is still accepted on the source topic, its own ingest time kept', () => {
  const internal = { videoId: 'v3', source: 'file:///v3.mp4', ingestedAtMs: 99, outputs: {} };
  assert.deepEqual(source(internal), { ok: true, message: internal });
});

test('hostile source records become InvalidMessage dead letters carrying the original', () => {
  const cases: [unknown, RegExp, string][] = [
    ['not json {', /not JSON/, ''],
    [[1, 2], /not a JSON object/, ''],
    [{ uri: 'https://example.com/a.mp4' }, /no videoId/, ''],
    [{ videoId: '', uri: 'https://example.com/a.mp4' }, /no videoId/, ''],
    [{ videoId: 'v4' }, /no uri/, 'v4'],
    [{ videoId: 'v5', uri: 5 }, /uri must be a non-empty string/, 'v5'],
    [{ videoId: 'v6', uri: '' }, /uri must be a non-empty string/, 'v6'],
    [{ videoId: 'v7', uri: 7, source: 'file:///x' }, /uri must be a non-empty string/, 'v7'],
  ];
  for (const [value, error, videoId] of cases) {
    const decoded = source(value);
    assert.equal(decoded.ok, false, JSON.stringify(value));
    if (decoded.ok) continue;
    assert.equal(decoded.letter.reason, 'InvalidMessage');
    assert.equal(decoded.letter.stage, SOURCE_STAGE);
    assert.equal(decoded.letter.videoId, videoId);
    assert.match(decoded.letter.error, error);
    assert.deepEqual(decoded.letter.original, value);
  }
});

test('stage topics do not take the source form', () => {
  const decoded = decodeMessage(Buffer.from('{"videoId":"v","uri":"file:///v"}'), 'stage-topic', 'detect', 1);
  // Passed through as-is: the executor dead-letters it (no source, no ingestedAtMs).
  assert.ok(decoded.ok);
  assert.equal('source' in decoded.message, false);
});

test('an item message keeps its fan-out fields; other fields a producer added are dropped', () => {
  const item = {
    videoId: 'v',
    source: 'file:///v.mp4',
    ingestedAtMs: 1,
    frameRef: 'v.0123456789abcdef',
    outputs: { detect: { score: 0.9 } },
    itemCount: 3,
    item: 1,
    region: { frame: 2, x: 10, y: 20, width: 30, height: 8 },
    pixels: 'never travels',
  };
  const decoded = decodeMessage(Buffer.from(JSON.stringify(item)), 'stage-topic', 'read', 1);
  assert.ok(decoded.ok);
  const { pixels: _, ...kept } = item;
  assert.deepEqual(decoded.message, kept);
});
