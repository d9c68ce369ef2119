import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayMatrix } from '../../../scripts/media/encode.ts';
import { rotationFromDisplayMatrix } from './input.ts';

test('a display matrix reads back as the clockwise turn it was written with; none is 0', () => {
  for (const degrees of [0, 90, 180, 270])
    assert.equal(rotationFromDisplayMatrix(displayMatrix(degrees)), degrees);
  assert.equal(rotationFromDisplayMatrix(null), 0);
  assert.equal(rotationFromDisplayMatrix(Buffer.alloc(36)), 0, 'a zero matrix (damaged) is no rotation');
});
