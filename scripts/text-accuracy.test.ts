import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clipAccuracy, wordAccuracy } from './text-accuracy.ts';

test('drawn words count once each when read exactly, case-insensitive; extra lines on a clip without text', () => {
  const a = clipAccuracy({ file: 'a', lines: ['Breaking News', 'news tonight'] }, [
    'BREAKING NEWS TONIGHT',
    'nevvs',
  ]);
  assert.deepEqual(a, { file: 'a', words: 4, exact: 3, extraLines: 0 });
  const none = clipAccuracy({ file: 'n', lines: [] }, ['ghost']);
  assert.deepEqual(none, { file: 'n', words: 0, exact: 0, extraLines: 1 });
  assert.equal(wordAccuracy([a, none]), 0.75);
  assert.equal(wordAccuracy([]), 1);
});
