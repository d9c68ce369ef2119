import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exponential, mulberry32 } from '../../simulate/random.ts';
import { linearSession } from './fixtures.test-support.ts';
import {
  batchForItems,
  LATE_VIDEO_PROBABILITY,
  mdOneWithin,
  poissonArrivals,
  STEADY,
  usableItems,
} from './headroom.ts';
import { buildProfile, usableThroughputVps } from './profile.ts';

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

  test('M/D/1 waits need not be whole services: Erlang matches a simulated queue at fractional r', () => {
    // Lindley's recursion W' = max(0, W + D − A) with D = 1 and exponential gaps A of mean 1/ρ.
    const random = mulberry32(7);
    const rho = 0.6;
    let wait = 0;
    let within = 0;
    const n = 1_000_000;
    for (let i = 0; i < n; i++) {
      wait = Math.max(0, wait + 1 - exponential(random, 1 / rho));
      if (wait <= 1.5) within++;
    }
    assert.ok(
      Math.abs(within / n - mdOneWithin(rho, 1.5)) < 0.01,
      `${within / n} vs ${mdOneWithin(rho, 1.5)}`,
    );
    assert.ok(Math.abs(mdOneWithin(rho, 0) - (1 - rho)) < 1e-12);
    assert.ok(mdOneWithin(rho, 1) < mdOneWithin(rho, 1.5) && mdOneWithin(rho, 1.5) < mdOneWithin(rho, 2));
  });

  test('a GPU running batch 1 back to back counts the whole budget, not whole services of it', () => {
    const built = buildProfile(linearSession('m', 'A100', 0, 1000, 1), 'A100', 80_000);
    assert.ok(built.ok);
    const profile = built.profile;
    // 2.6 s of budget for a 1 s model: it may wait 1.6 s, busier than one that may wait 1 s.
    assert.ok(
      usableThroughputVps(profile, 1, 2_600_000, one) > usableThroughputVps(profile, 1, 2_000_000, one),
    );
    assert.equal(usableThroughputVps(profile, 1, 2_600_000, STEADY), 1);
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
