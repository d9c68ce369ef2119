import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StageMessage } from '../transport/transport.ts';
import { JoinBuffer } from './join.ts';

function from(stage: string, videoId: string, ingestedAtMs = 100): StageMessage {
  return { videoId, source: `file:///${videoId}`, ingestedAtMs, outputs: { [stage]: { label: stage } } };
}

test('completes when every input arrived, in any order, with merged outputs and the earliest ingest time', () => {
  const join = new JoinBuffer(['scene', 'motion'], 10);
  assert.equal(join.add(from('motion', 'v', 200), 0).complete, undefined);
  assert.equal(join.add(from('motion', 'v', 200), 0).complete, undefined); // duplicate delivery
  const done = join.add(from('scene', 'v', 100), 1).complete;
  assert.deepEqual(done?.outputs, { motion: { label: 'motion' }, scene: { label: 'scene' } });
  assert.equal(done?.ingestedAtMs, 100);
  assert.equal(join.size, 0);
});

test('state is bounded: beyond maxPending the oldest waiting video is evicted', () => {
  const join = new JoinBuffer(['scene', 'motion'], 2);
  join.add(from('scene', 'a'), 0);
  join.add(from('scene', 'b'), 1);
  const added = join.add(from('scene', 'c'), 2);
  assert.deepEqual(
    added.evicted.map((m) => m.videoId),
    ['a'],
  );
  assert.equal(join.size, 2);
  assert.deepEqual(join.missing(added.evicted[0]!), ['motion']);
});

test('expire returns only the videos waiting longer than the timeout', () => {
  const join = new JoinBuffer(['scene', 'motion'], 10);
  join.add(from('scene', 'a'), 0);
  join.add(from('scene', 'b'), 500);
  assert.deepEqual(join.expire(1000, 1000), []);
  assert.deepEqual(
    join.expire(1001, 1000).map((m) => m.videoId),
    ['a'],
  );
  assert.equal(join.size, 1);
});
