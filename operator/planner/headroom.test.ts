import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { batchForItems, LATE_VIDEO_PROBABILITY, poissonArrivals, STEADY, usableItems } from './headroom.ts';

const one = poissonArrivals(1, 1);

describe('usableItems', () => {
  test('steady arrivals: a batch carries its whole cap', () => {
    assert.equal(usableItems(8, 1, STEADY), 8);
    assert.equal(batchForItems(7.2, STEADY), 8);
  });

  test('batch 1 is M/D/1: at the returned utilisation P(wait > one service) is ε (Erlang)', () => {
    const rho = usableItems(1, 1, one);
    // P(W ≤ D) = (1 − ρ)·e^ρ for M/D/1.
    assert.ok(Math.abs(1 - (1 - rho) * Math.exp(rho) - LATE_VIDEO_PROBABILITY) < 1e-6, String(rho));
    // A budget of more services lets it run busier.
    assert.ok(usableItems(1, 3, one) > 2 * rho);
  });

  test('large batches keep about b − L/2 items per cycle; bursts of items cost more headroom', () => {
    const half = Math.log(1 / LATE_VIDEO_PROBABILITY) / 2;
    const n = usableItems(64, 1, one);
    assert.ok(Math.abs(64 - half - n) < 0.2, String(n));
    assert.ok(usableItems(64, 1, poissonArrivals(10, 1)) < n - 15);
    assert.ok(usableItems(64, 2, one) > n);
    for (let b = 2; b < 64; b++) assert.ok(usableItems(b + 1, 1, one) > usableItems(b, 1, one));
  });

  test('a pipeline of more stages gives each a smaller share of the late videos it may have', () => {
    assert.equal(poissonArrivals(1, 4).lateProbability, LATE_VIDEO_PROBABILITY / 4);
    assert.ok(usableItems(32, 1, poissonArrivals(1, 4)) < usableItems(32, 1, one));
  });

  test('batchForItems is the smallest cap that carries the items', () => {
    for (const items of [0.3, 1, 4.5, 17, 60]) {
      const b = batchForItems(items, one);
      assert.ok(usableItems(b, 1, one) >= items);
      assert.ok(b === 1 || usableItems(b - 1, 1, one) < items, `${items} → ${b}`);
    }
  });
});
