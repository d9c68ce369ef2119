import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { apportion, apportionError, partitionsForRates } from './partition-shares.ts';

test('apportion gives whole partitions in proportion to the weights, all of them', () => {
  assert.deepEqual(apportion([10, 1.57], 16), [14, 2]);
  assert.deepEqual(apportion([1, 1, 1], 4), [2, 1, 1]);
  assert.deepEqual(apportion([0, 0], 3), [2, 1]);
  assert.deepEqual(apportion([5, 0], 4), [4, 0]);
  assert.deepEqual(apportion([], 4), []);
});

test('every count is the floor or the ceiling of its quota, and the counts sum to the partitions', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 1, max: 300 }),
      (weights, partitions) => {
        const counts = apportion(weights, partitions);
        const total = weights.reduce((a, b) => a + b, 0);
        assert.equal(
          counts.reduce((a, b) => a + b, 0),
          partitions,
        );
        counts.forEach((c, i) => {
          const quota = (partitions * weights[i]!) / total;
          assert.ok(
            c >= Math.floor(quota + 1e-9) - 1e-9 && c <= Math.ceil(quota - 1e-9) + 1e-9,
            `${c} vs ${quota}`,
          );
        });
      },
    ),
  );
});

test('the partition count is the smallest one that keeps every pod within the target error', () => {
  const rates = [[10, 1.57]];
  const chosen = partitionsForRates(rates, 8);
  assert.ok(chosen.error <= 0.05);
  for (let p = 8; p < chosen.partitions; p++)
    assert.ok(apportionError(rates[0]!, apportion(rates[0]!, p)) > 0.05, `P=${p} would have done`);
  // Exact shares need no search: 3 equal pods on 12 partitions.
  assert.deepEqual(partitionsForRates([[4, 4, 4]], 12), { partitions: 12, error: 0 });
  // Unreachable within the cap: the least error found is returned.
  const capped = partitionsForRates([[1000, 1]], 4, 16);
  assert.ok(capped.partitions <= 16 && capped.error > 0.05);
});

test('no other choice of floors and ceilings has a smaller worst relative error (brute force)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0.05, max: 20, noNaN: true }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 1, max: 40 }),
      (weights, partitions) => {
        const ours = apportionError(weights, apportion(weights, partitions));
        const total = weights.reduce((a, b) => a + b, 0);
        const floors = weights.map((w) => Math.floor((partitions * w) / total));
        const left = partitions - floors.reduce((a, b) => a + b, 0);
        let best = Number.POSITIVE_INFINITY;
        for (let mask = 0; mask < 1 << weights.length; mask++) {
          let bits = 0;
          for (let i = 0; i < weights.length; i++) if (mask & (1 << i)) bits++;
          if (bits !== left) continue;
          const counts = floors.map((f, i) => f + (mask & (1 << i) ? 1 : 0));
          best = Math.min(best, apportionError(weights, counts));
        }
        assert.ok(ours <= best + 1e-9, `${ours} > optimum ${best}`);
      },
    ),
  );
});

test('rounding never pushes a saturated pod past its capacity while another pod has room', () => {
  // motion in the sample plan: a saturated pod (10/s, can take 10/s) and a packed one (1.57/s,
  // can take 5 per 2.7648 s duty cycle = 1.81/s).
  const rates = [10, 1.57];
  const caps = [10, 1.81];
  // Two equal rates, the second pod with room: the odd partition goes to it, not by index.
  assert.deepEqual(apportion([10, 10], 3), [2, 1]);
  assert.deepEqual(apportion([10, 10], 3, [10, 20]), [1, 2]);
  // At 15 or 16 partitions no split keeps both within capacity (13/15 of 11.57 = 10.03/s; 3/16
  // = 2.17/s): plain rounding is the fallback.
  assert.deepEqual(apportion(rates, 15, caps), [13, 2]);
  assert.deepEqual(apportion(rates, 16, caps), [14, 2]);
  // The partition count is chosen so that one does: 22 = 19 + 3.
  assert.deepEqual(partitionsForRates([rates], 8, 256, 0.05, [caps]), {
    partitions: 22,
    error: apportionError(rates, [19, 3]),
  });
});
