import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartitionOffsets } from './partition-offsets.ts';

test('commits after processed messages, but never past a held one until its video leaves', () => {
  const p = new PartitionOffsets();
  assert.equal(p.toCommit(), undefined);
  p.processed(0);
  p.processed(1);
  assert.equal(p.toCommit(), 2);
  p.committedAt(2);
  assert.equal(p.toCommit(), undefined);
  p.hold('v', 2);
  p.processed(2);
  p.processed(3);
  assert.equal(p.toCommit(), undefined); // still 2: the held message is re-read after a restart
  assert.equal(p.size, 1);
  assert.equal(p.release('w'), false);
  assert.equal(p.release('v'), true);
  assert.equal(p.size, 0);
  assert.equal(p.toCommit(), 4);
});
