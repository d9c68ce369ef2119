import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StageMessage } from '../transport/transport.ts';
import { GatherBuffer, missingText } from './gather.ts';

function item(
  videoId: string,
  item: number | undefined,
  itemCount: number,
  ingestedAtMs = 100,
): StageMessage {
  return {
    videoId,
    source: `file:///${videoId}`,
    ingestedAtMs,
    outputs: {},
    itemCount,
    ...(item === undefined ? {} : { item }),
  };
}

test('completes at the announced count, items in index order; zero items complete at once', () => {
  const gather = new GatherBuffer(10);
  assert.equal(gather.add(item('v', 2, 3), 0).complete, undefined);
  assert.equal(gather.add(item('v', 2, 3), 1).complete, undefined); // a redelivery counts once
  assert.equal(gather.add(item('v', 0, 3), 2).complete, undefined);
  const done = gather.add(item('v', 1, 3), 3).complete;
  assert.deepEqual(
    done?.items.map((m) => m.item),
    [0, 1, 2],
  );
  assert.equal(done?.first.item, 2);
  assert.deepEqual(gather.add(item('empty', undefined, 0), 4).complete?.items, []);
  assert.equal(gather.size, 0);
});

test('an item of a finished video gets its result back; another video under the same id does not', () => {
  const gather = new GatherBuffer(10);
  const done = gather.add(item('v', 0, 1), 0).complete!;
  const result = { ...done.first, outputs: { collect: { lines: [] } } };
  gather.completed(result);
  assert.equal(gather.add(item('v', 0, 1), 5).repeat, result);
  const other = gather.add(item('v', 0, 2, 999), 6);
  assert.equal(other.repeat, undefined);
  assert.equal(gather.size, 1);
});

test('a count that disagrees with the video first one is not counted', () => {
  const gather = new GatherBuffer(10);
  gather.add(item('v', 0, 2), 0);
  assert.deepEqual(gather.add(item('v', 1, 5), 1).conflict, { expected: 2 });
  assert.ok(gather.add(item('v', 1, 2), 2).complete);
});

test('bounded like the join: the oldest is evicted when full; expire hands back the late ones', () => {
  const gather = new GatherBuffer(2);
  gather.add(item('a', 0, 3), 0);
  gather.add(item('a', 1, 3), 0);
  gather.add(item('b', 0, 2), 500);
  const evicted = gather.add(item('c', 0, 2), 600).evicted;
  assert.deepEqual(
    evicted.map((u) => [u.first.videoId, missingText(u)]),
    [['a', '1 of 3 items']],
  );
  assert.deepEqual(gather.expire(1500, 1000), []);
  assert.deepEqual(
    gather.expire(1501, 1000).map((u) => u.first.videoId),
    ['b'],
  );
  assert.equal(gather.size, 1);
});
