import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StageError } from '../inference/errors.ts';
import { createOutputDecoder } from './output-decoder.ts';

test('classes (the default): softmax and label, the mean row of an NCHW item', () => {
  const decoder = createOutputDecoder(undefined, { labels: ['a', 'b'] });
  const out = decoder.decode([Float32Array.of(0, 2), Float32Array.of(0, 0)], {
    dims: [2, 2],
    storedFrames: 8,
  });
  assert.equal((out as { label: string }).label, 'b');
});

test('dbText: boxes of every picked frame, on the stored frame they came from', () => {
  const decoder = createOutputDecoder({
    kind: 'dbText',
    threshold: 0.3,
    boxThreshold: 0.6,
    unclipRatio: 1.5,
    minSizePx: 3,
    maxBoxes: 10,
  });
  const map = (x: number) => {
    const m = new Float32Array(20 * 10);
    for (let y = 3; y < 7; y++) for (let i = x; i < x + 6; i++) m[y * 20 + i] = 0.9;
    return m;
  };
  // 2 frames picked from 8 stored: 2 and 6
  const out = decoder.decode([map(2), map(12)], { dims: [2, 1, 10, 20], storedFrames: 8 }) as {
    items: { frame: number; x: number }[];
  };
  assert.deepEqual(
    out.items.map((i) => [i.frame, i.x]),
    [
      [2, 0],
      [6, 10],
    ],
  );
  assert.throws(() => decoder.decode([map(2)], { dims: [200], storedFrames: 1 }), StageError);
});

test('ctcText: the dictionary names the classes; an output of another width is InferenceFailed', () => {
  assert.throws(
    () => createOutputDecoder({ kind: 'ctcText', dictionary: { uri: 'file:///d' }, spaceCharacter: true }),
    /dictionary/,
  );
  const decoder = createOutputDecoder(
    { kind: 'ctcText', dictionary: { uri: 'file:///d' }, spaceCharacter: true },
    { dictionary: ['h', 'i'] },
  );
  // classes: blank, h, i, space; steps: h h _ i ␣
  const probs = Float32Array.from([0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  assert.deepEqual(decoder.decode([probs], { dims: [1, 5, 4], storedFrames: 1 }), { text: 'hi', score: 1 });
  assert.throws(
    () => decoder.decode([probs], { dims: [1, 4, 5], storedFrames: 1 }),
    (e: Error) =>
      e instanceof StageError && e.reason === 'InferenceFailed' && /\[N, steps, 4\]/.test(e.message),
  );
});
