import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClock } from '../controller/clock.ts';
import { DEFAULT_LOAD_POLICY, decide, type LoadState, offsetRate } from './policy.ts';

const start: LoadState = { plannedVps: 10, epochStartMs: 0 };

test('inside the band [0.8x, 1.1x] nothing re-plans', () => {
  const clock = fakeClock(20_000);
  for (const arrivalVps of [8.1, 10, 10.9]) {
    assert.equal(decide(start, { arrivalVps, lag: 0 }, 10, clock.nowMs()).replan, false);
  }
});

test('above or below the band re-plans to the demand', () => {
  const up = decide(start, { arrivalVps: 12, lag: 0 }, 10, 20_000);
  assert.ok(up.replan && up.reason === 'LoadAbove' && up.demandVps === 12);
  const down = decide(start, { arrivalVps: 5, lag: 0 }, 10, 20_000);
  assert.ok(down.replan && down.reason === 'LoadBelow' && down.demandVps === 5);
});

test('backlog counts: lag drained within one epoch', () => {
  const d = decide(start, { arrivalVps: 10, lag: 50 }, 10, 20_000);
  assert.ok(d.replan && d.demandVps === 15);
});

test('epochs are at least 10 s apart: a second change within the epoch waits', () => {
  const clock = fakeClock(20_000);
  const first = decide(start, { arrivalVps: 20, lag: 0 }, 10, clock.nowMs());
  assert.ok(first.replan);
  clock.advance(DEFAULT_LOAD_POLICY.epochMs - 1);
  assert.equal(decide(first.state, { arrivalVps: 40, lag: 0 }, 10, clock.nowMs()).replan, false);
  clock.advance(1);
  assert.equal(decide(first.state, { arrivalVps: 40, lag: 0 }, 10, clock.nowMs()).replan, true);
});

test('no signal keeps the target; the plan never drops below a tenth of it', () => {
  assert.equal(decide(start, undefined, 10, 20_000).replan, false);
  assert.equal(decide(start, { arrivalVps: 0, lag: 0 }, 10, 20_000).replan, false);
  const d = decide(start, { arrivalVps: 0.01, lag: 0 }, 10, 20_000);
  assert.ok(d.replan && d.demandVps === 1);
});

test('offset rate from two readings', () => {
  assert.equal(offsetRate({ atMs: 0, offset: 100 }, { atMs: 2000, offset: 120 }), 10);
  assert.equal(offsetRate(undefined, { atMs: 2000, offset: 120 }), undefined);
  assert.equal(offsetRate({ atMs: 0, offset: 100 }, { atMs: 1000, offset: 50 }), 0);
});
