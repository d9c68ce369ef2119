import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mustGrow } from './admin.ts';

test('a topic grows only below its growth threshold, and never shrinks', () => {
  const spec = { topic: 't', partitions: 8, growBelow: 4 };
  assert.equal(mustGrow(spec, undefined), false, 'a missing topic is created, not grown');
  assert.equal(mustGrow(spec, 3), true, 'fewer partitions than consumers: grow');
  assert.equal(mustGrow(spec, 4), false, 'enough for the consumers: leave the keys where they are');
  assert.equal(mustGrow(spec, 16), false);
  assert.equal(mustGrow({ topic: 't', partitions: 8 }, 7), true, 'no threshold: grow to the count');
  assert.equal(mustGrow({ topic: 't', partitions: 8, growBelow: 12 }, 9), false, 'never past the count');
});
