import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ctcClasses, decodeCtc } from './ctc-text.ts';

/** One row per step: probability 0.9 on `best`, the rest spread. */
function steps(classes: number, best: number[]): Float32Array {
  const out = new Float32Array(best.length * classes).fill(0.1 / (classes - 1));
  best.forEach((c, t) => {
    out[t * classes + c] = 0.9;
  });
  return out;
}

test('greedy CTC: repeats collapse, blanks separate, the class after the dictionary is a space', () => {
  const classes = ctcClasses(['a', 'b', 'l']); // ['', a, b, l, ' ']
  assert.equal(classes.length, 5);
  // a a _ b _ _ l l _ l ␣ a
  const probs = steps(5, [1, 1, 0, 2, 0, 0, 3, 3, 0, 3, 4, 1]);
  const { text, score } = decodeCtc(probs, 12, classes);
  assert.equal(text, 'abll a');
  assert.ok(Math.abs(score - 0.9) < 1e-6);
});

test('all blank reads as empty text with score 0; a wrong shape is an error', () => {
  const classes = ctcClasses(['x'], false);
  assert.deepEqual(decodeCtc(steps(2, [0, 0, 0]), 3, classes), { text: '', score: 0 });
  assert.throws(() => decodeCtc(new Float32Array(7), 3, classes), /7 values, expected 3 steps × 2 classes/);
});
