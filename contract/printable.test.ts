import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printable } from './printable.ts';

test('control characters, separators and bidi overrides are escaped; other text is kept', () => {
  assert.equal(printable('a\nb\tc\r'), 'a\\nb\\tc\\r');
  assert.equal(printable('x\u001b[31my'), 'x\\u001b[31my');
  assert.equal(printable('evil\u202egpj.mp4'), 'evil\\u202egpj.mp4');
  assert.equal(printable('vidéo 1 – 猫.mp4'), 'vidéo 1 – 猫.mp4');
});
