import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClock } from '../clock.ts';
import { DEFAULT_LOAD_POLICY, decide, demandVps, type LoadState, offsetRate } from './policy.ts';

const start: LoadState = { plannedVps: 10, epochStartMs: 0 };
/** Target 10 videos/s; no SLO allowance, so every waiting video counts as backlog. */
const T = { vps: 10, latencySloMs: 0 };

test('inside the band [0.8x, 1.1x] nothing re-plans', () => {
  const clock = fakeClock(20_000);
  for (const arrivalVps of [8.1, 10, 10.9]) {
    assert.equal(decide(start, { arrivalVps, lag: 0 }, T, clock.nowMs()).replan, false);
  }
});

test('above or below the band re-plans to the demand', () => {
  const up = decide(start, { arrivalVps: 12, lag: 0 }, T, 20_000);
  assert.ok(up.replan && up.reason === 'LoadAbove' && up.demandVps === 12);
  const first = decide(start, { arrivalVps: 5, lag: 0 }, T, 20_000);
  assert.equal(first.replan, false, 'scaling down waits for a second epoch below the band');
  const down = decide(first.state, { arrivalVps: 4, lag: 0 }, T, 30_000);
  assert.ok(down.replan && down.reason === 'LoadBelow' && down.demandVps === 5);
});

test('backlog counts: lag drained within one epoch', () => {
  const d = decide(start, { arrivalVps: 10, lag: 50 }, T, 20_000);
  assert.ok(d.replan && d.demandVps === 15);
});

test('epochs are at least 10 s apart: a second change within the epoch waits', () => {
  const clock = fakeClock(20_000);
  const first = decide(start, { arrivalVps: 20, lag: 0 }, T, clock.nowMs());
  assert.ok(first.replan);
  clock.advance(DEFAULT_LOAD_POLICY.epochMs - 1);
  assert.equal(decide(first.state, { arrivalVps: 40, lag: 0 }, T, clock.nowMs()).replan, false);
  clock.advance(1);
  assert.equal(decide(first.state, { arrivalVps: 40, lag: 0 }, T, clock.nowMs()).replan, true);
});

test('no signal keeps the target; the plan never drops below a tenth of it', () => {
  assert.equal(decide(start, undefined, T, 20_000).replan, false);
  assert.equal(decide(start, { arrivalVps: 0, lag: 0 }, T, 20_000).replan, false);
  const once = decide(start, { arrivalVps: 0.01, lag: 0 }, T, 20_000);
  const d = decide(once.state, { arrivalVps: 0.01, lag: 0 }, T, 30_000);
  assert.ok(d.replan && d.demandVps === 1);
});

test('offset rate from two readings', () => {
  assert.equal(offsetRate({ atMs: 0, offset: 100 }, { atMs: 2000, offset: 120 }), 10);
  assert.equal(offsetRate(undefined, { atMs: 2000, offset: 120 }), undefined);
  assert.equal(offsetRate({ atMs: 0, offset: 100 }, { atMs: 1000, offset: 50 }), 0);
});

test('the backlog counts in videos, not messages summed over stage topics', () => {
  // 60 messages across the stage topics are 20 videos (each waits in several topics).
  const sample = { arrivalVps: 10, lag: 60, backlogVideos: 20 };
  const d = decide(start, sample, T, 20_000);
  assert.ok(d.replan && d.demandVps === 12);
  assert.equal(demandVps({ arrivalVps: 10, lag: 60 }, 0, DEFAULT_LOAD_POLICY), 16);
});

test('work in flight within the latency SLO is no backlog: steady state at the target does not re-plan', () => {
  // 1.5 videos/s with a 10 s p99 SLO may hold 15 videos in flight; 6 messages (2 videos) waiting
  // re-planned for 1.5 + 6/10 = 2.1 videos/s (> 1.1 × 1.5) before.
  const state: LoadState = { plannedVps: 1.5, epochStartMs: 0 };
  const sample = { arrivalVps: 1.5, lag: 6, backlogVideos: 2 };
  assert.equal(decide(state, sample, { vps: 1.5, latencySloMs: 10_000 }, 20_000).replan, false);
  // Beyond the allowance the backlog is drained within an epoch: 35 videos - 15 allowed → +2/s.
  const behind = decide(
    state,
    { ...sample, lag: 100, backlogVideos: 35 },
    { vps: 1.5, latencySloMs: 10_000 },
    20_000,
  );
  assert.ok(behind.replan && behind.reason === 'LoadAbove' && behind.demandVps === 3.5);
});

test('a window straddling the start of the load does not shrink the plan', () => {
  // 2 videos over the first window look like 0.2 videos/s; the next epoch sees the real rate.
  const lull = decide(start, { arrivalVps: 0.2, lag: 0 }, T, 20_000);
  assert.equal(lull.replan, false);
  const real = decide(lull.state, { arrivalVps: 9.5, lag: 0 }, T, 30_000);
  assert.equal(real.replan, false);
  assert.equal(decide(real.state, { arrivalVps: 5, lag: 0 }, T, 40_000).replan, false);
});

test('after a re-plan the next waits for its backends to be available, or the grace period', () => {
  const up = decide(start, { arrivalVps: 20, lag: 0 }, T, 20_000);
  assert.ok(up.replan && up.state.rolloutSinceMs === 20_000);
  // The rollout left a backlog and more arrive: no bigger plan while its pods start.
  const busy = { arrivalVps: 30, lag: 100 };
  const held = decide(up.state, busy, T, 30_000, DEFAULT_LOAD_POLICY, false);
  assert.equal(held.replan, false);
  assert.equal(held.state.rolloutSinceMs, 20_000, 'still rolling out');
  // Available now: the load decides again.
  const next = decide(held.state, busy, T, 40_000, DEFAULT_LOAD_POLICY, true);
  assert.ok(next.replan && next.reason === 'LoadAbove');
  // A rollout that never completes holds at most the grace period.
  const late = 20_000 + DEFAULT_LOAD_POLICY.rolloutGraceMs;
  assert.equal(decide(up.state, busy, T, late - 1, DEFAULT_LOAD_POLICY, false).replan, false);
  assert.equal(decide(up.state, busy, T, late, DEFAULT_LOAD_POLICY, false).replan, true);
});

test('while a backlog shrinks from epoch to epoch the plan holds; growing again, it counts', () => {
  const first = decide(start, { arrivalVps: 10, lag: 0, backlogVideos: 40 }, T, 20_000);
  assert.ok(first.replan && first.demandVps === 14, 'a new backlog counts');
  // Draining at 14 − 10 = 4 videos/s: arrivals alone are below the band, but shrinking the plan
  // now would stop the drain.
  let state = first.state;
  for (const [i, backlogVideos] of [30, 20, 10].entries()) {
    const d = decide(state, { arrivalVps: 10, lag: 0, backlogVideos }, T, 30_000 + i * 10_000);
    assert.equal(d.replan, false, `draining, ${backlogVideos} left`);
    state = d.state;
  }
  const growing = decide(state, { arrivalVps: 10, lag: 0, backlogVideos: 60 }, T, 60_000);
  assert.ok(growing.replan && growing.demandVps === 16, 'growing again: it counts');
});
