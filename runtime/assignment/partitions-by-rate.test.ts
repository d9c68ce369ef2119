import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignByRate, podShares } from './partitions-by-rate.ts';

const partitions = (n: number) => Array.from({ length: n }, (_, i) => i);
const count = (a: Map<string, Record<string, number[]>>, member: string) => a.get(member)?.t?.length ?? 0;

test('pods get partitions in proportion to their planned rates, split over their consumers', () => {
  // b0 pods plan 10/s of motion, the packed b1 pod 1.57/s; two consumers per pod.
  const members = [
    { memberId: 'a1', pod: 'b0-x', rateVps: 10 },
    { memberId: 'a2', pod: 'b0-x', rateVps: 10 },
    { memberId: 'c1', pod: 'b1-y', rateVps: 1.57 },
    { memberId: 'c2', pod: 'b1-y', rateVps: 1.57 },
  ];
  const a = assignByRate(members, [{ topic: 't', partitions: partitions(50) }]);
  assert.equal(count(a, 'a1') + count(a, 'a2'), 43);
  assert.equal(count(a, 'c1') + count(a, 'c2'), 7);
  assert.ok(Math.abs(count(a, 'a1') - count(a, 'a2')) <= 1);
  const all = [...a.values()].flatMap((r) => r.t ?? []).sort((x, y) => x - y);
  assert.deepEqual(all, partitions(50), 'every partition exactly once');
});

test('Kafka`s even split is what members without a declaration get', () => {
  const a = assignByRate(
    [{ memberId: 'm1' }, { memberId: 'm2' }, { memberId: 'm3' }],
    [{ topic: 't', partitions: partitions(9) }],
  );
  assert.deepEqual(
    ['m1', 'm2', 'm3'].map((m) => count(a, m)),
    [3, 3, 3],
  );
});

test('an undeclared pod weighs the mean of the declared ones; the order of members does not matter', () => {
  const shares = podShares([
    { memberId: 'x', pod: 'p1', rateVps: 2 },
    { memberId: 'y', pod: 'p2', rateVps: 6 },
    { memberId: 'z' },
  ]);
  assert.deepEqual(
    shares.map((s) => [s.pod, s.weightVps]),
    [
      ['member:z', 4],
      ['p1', 2],
      ['p2', 6],
    ],
  );
  const members = [
    { memberId: 'x', pod: 'p1', rateVps: 2 },
    { memberId: 'y', pod: 'p2', rateVps: 6 },
  ];
  const topics = [{ topic: 't', partitions: partitions(8) }];
  assert.deepEqual(assignByRate(members, topics), assignByRate([...members].reverse(), topics));
});
