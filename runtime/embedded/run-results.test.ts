import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRow } from './report.ts';
import { percentile, RunResults, type VideoRow } from './run-results.ts';

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

test('percentile is nearest-rank', () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([], 50), 0);
});
