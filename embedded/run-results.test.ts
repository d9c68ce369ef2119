import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatencyHistogram } from './latency-histogram.ts';
import { formatRow } from './report.ts';
import { RunResults, type VideoRow } from './run-results.ts';

test('each video settles once: ok on its result, dead on its first dead letter', async () => {
  let now = 0;
  const rows: VideoRow[] = [];
  const results = new RunResults(
    (r) => rows.push(r),
    () => now,
  );
  results.submitted('a', 'a.mp4');
  results.submitted('b', 'b.mp4');
  now = 40;
  await results.onResults([
    { videoId: 'a', source: 'file:///a.mp4', ingestedAtMs: 0, outputs: { s: { label: 'x' } } },
  ]);
  const letter = { videoId: 'b', source: 'file:///b.mp4', stage: 'scene', attempts: 1, error: 'bad' };
  await results.onDeadLetters([{ ...letter, reason: 'InputMismatch' }]);
  await results.onDeadLetters([{ ...letter, stage: 'fusion', reason: 'JoinTimeout' }]);
  await results.drained();
  assert.deepEqual(
    rows.map((r) => [r.videoId, r.status, r.reason, r.latencyMs]),
    [
      ['a', 'ok', undefined, 40],
      ['b', 'dead', 'InputMismatch', 40],
    ],
  );
  assert.equal(results.ok, 1);
  assert.equal(results.dead, 1);
  assert.deepEqual(Object.fromEntries(results.deadLetterReasons), { InputMismatch: 1, JoinTimeout: 1 });
  assert.equal(results.pending, 0);
});

test('json rows carry videoId, source, status, result and the reason only when dead', () => {
  const ok: VideoRow = {
    videoId: 'a',
    source: 'a.mp4',
    status: 'ok',
    result: { s: { label: 'x' } },
    latencyMs: 1,
  };
  assert.deepEqual(JSON.parse(formatRow(ok, 'json')), {
    videoId: 'a',
    source: 'a.mp4',
    status: 'ok',
    result: { s: { label: 'x' } },
  });
  const dead: VideoRow = {
    ...ok,
    status: 'dead',
    result: {},
    reason: 'NotAVideo',
    stage: 'ingest',
    error: 'nope',
  };
  assert.equal(JSON.parse(formatRow(dead, 'json')).reason, 'NotAVideo');
  assert.match(formatRow(dead, 'table'), /dead\s+NotAVideo at ingest: nope/);
});

test('latency percentiles stay within 1% of nearest-rank in a fixed-size histogram', () => {
  const h = new LatencyHistogram();
  assert.equal(h.percentile(99), 0);
  // A skewed spread from 0.05 ms to hours, in a scrambled order.
  const values = Array.from({ length: 20000 }, (_, i) => 0.05 * 1.0009 ** ((i * 7919) % 20000));
  for (const v of values) h.record(v);
  const sorted = [...values].sort((a, b) => a - b);
  for (const p of [1, 50, 90, 99, 99.9, 100]) {
    const exact = sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
    const got = h.percentile(p);
    assert.ok(got >= exact * 0.999 && got <= Math.max(exact * 1.01, 0.1), `p${p}: ${got} vs ${exact}`);
  }
  assert.equal(h.percentile(100), sorted.at(-1));
  const one = new LatencyHistogram();
  one.record(1234);
  assert.equal(one.percentile(50), 1234);
});

test('a table row escapes control characters from file names and messages: one line per video, no fake rows', () => {
  const row: VideoRow = {
    videoId: 'evil\nfake-row.mp4  ok  label',
    source: 'dir/evil\r\u001b[2Jname.mp4',
    status: 'dead',
    result: {},
    reason: 'NotAVideo',
    stage: 'ingest',
    error: 'bad\u0007bell',
    latencyMs: 1,
  };
  const text = formatRow(row, 'table');
  assert.equal(text.split('\n').length, 2, JSON.stringify(text)); // the row, then the final newline
  const controls = [...text.slice(0, -1)].filter((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  assert.deepEqual(controls, []);
  assert.match(text, /evil\\nfake-row\.mp4/);
});
