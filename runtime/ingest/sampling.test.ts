import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  candidateWindowSeconds,
  NearestPicker,
  nearAnyTarget,
  nearestIndices,
  repeatedSlots,
  sampleTimesSeconds,
  shouldSeek,
  skipsLoopFilter,
} from './sampling.ts';

test('targets are the centres of equal parts of the clip', () => {
  assert.deepEqual(sampleTimesSeconds(1, 4, 4), [1.5, 2.5, 3.5, 4.5]);
});

test('each slot takes the nearest candidate; a tie goes to the earlier one', () => {
  // Frames at 0, 0.5, 1: 0.2 is nearer 0, 0.3 nearer 0.5, 0.25 ties (earlier wins).
  assert.deepEqual(nearestIndices([0.2, 0.25, 0.3, 0.9], [0, 0.5, 1]), [0, 0, 1, 2]);
});

test('slots past the last candidate take the last one; no candidate leaves slots empty', () => {
  assert.deepEqual(nearestIndices([0.1, 5, 6], [0, 1]), [0, 1, 1]);
  assert.deepEqual(nearestIndices([0.1, 0.2], []), [-1, -1]);
});

test('a timestamp going backwards is ignored', () => {
  assert.deepEqual(nearestIndices([0.9, 1.9], [0, 1, 0.5, 2]), [1, 3]);
});

test('the picker holds at most the one candidate before the next target, and forgets it after a seek', () => {
  const picker = new NearestPicker<string>([1, 10]);
  assert.deepEqual(picker.offer(0.8, 'a'), []);
  assert.equal(picker.held, 'a');
  assert.deepEqual(picker.offer(1.5, 'b'), [{ slot: 0, item: 'a' }]);
  picker.forget();
  assert.equal(picker.held, undefined);
  assert.deepEqual(picker.offer(9, 'c'), []);
  assert.deepEqual(picker.offer(12, 'd'), [{ slot: 1, item: 'c' }]);
  assert.ok(picker.done);
});

test('the streamed assignment equals the nearest candidate by brute force', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 20 }),
      fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 40 }),
      (rawTargets, rawTimes) => {
        const targets = [...rawTargets].sort((a, b) => a - b);
        const times = [...new Set(rawTimes)].sort((a, b) => a - b);
        const got = nearestIndices(targets, times);
        targets.forEach((t, slot) => {
          const best = Math.min(...times.map((c) => Math.abs(c - t)));
          assert.equal(Math.abs((times[got[slot]!] ?? Number.NaN) - t), best);
        });
      },
    ),
  );
});

test('seek only over gaps longer than twice the GOP and the minimum', () => {
  assert.equal(shouldSeek(3, 0, 4), false);
  assert.equal(shouldSeek(5, 2, 4), true);
  assert.equal(shouldSeek(15, 10, 4), false);
  assert.equal(shouldSeek(21, 10, 4), true);
});

test('repeated slots count slots whose frame an earlier slot already uses', () => {
  assert.equal(repeatedSlots([0, 0, 1, 1, 1]), 3);
  assert.equal(repeatedSlots([0, 1, 2]), 0);
});

test('only frames within the window of some target are candidates; unknown times always are', () => {
  const targets = [1, 3, 5];
  assert.equal(nearAnyTarget(1.05, targets, 0.1), true);
  assert.equal(nearAnyTarget(2, targets, 0.1), false);
  assert.equal(nearAnyTarget(4.95, targets, 0.1), true);
  assert.equal(nearAnyTarget(9, targets, 0.1), false);
  assert.equal(nearAnyTarget(Number.NaN, targets, 0.1), true);
  assert.equal(candidateWindowSeconds(30), 0.1);
  assert.equal(candidateWindowSeconds(10), 0.3);
  assert.equal(candidateWindowSeconds(Number.NaN), 0.5);
});

test('the deblocking filter is skipped only for keyframes, at a downscale of at least 2 on the shorter side', () => {
  const hd = { width: 1280, height: 720 };
  assert.equal(skipsLoopFilter('keyframes', hd, { width: 224, height: 224 }), true);
  assert.equal(
    skipsLoopFilter('uniform', hd, { width: 224, height: 224 }),
    false,
    'references would inherit it',
  );
  assert.equal(skipsLoopFilter('keyframes', hd, { width: 640, height: 360 }), false, '720 < 2 × 640');
  assert.equal(skipsLoopFilter('keyframes', { width: 720, height: 1280 }, { width: 360, height: 200 }), true);
  assert.equal(
    skipsLoopFilter('keyframes', { width: 720, height: 1280 }, { width: 361, height: 200 }),
    false,
  );
});
