import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeDegraded } from './degraded.ts';
import { DEFAULT_LOAD_POLICY } from './policy.ts';

const policy = DEFAULT_LOAD_POLICY;
const epoch = policy.epochMs;

test('throughput below the band over an epoch while input is offered: BelowTarget', () => {
  const v = judgeDegraded({ arrivalVps: 3, throughputVps: 1.5, lag: 4, windowMs: epoch }, 4, 3, policy);
  assert.ok(v.degraded && v.reason === 'BelowTarget', JSON.stringify(v));
  assert.match(v.message, /throughput 1\.5 videos\/s over 10 s, below 0\.8 × the expected 3/);
});

test('inside the band, or over less than an epoch, is not degraded', () => {
  assert.deepEqual(
    judgeDegraded({ arrivalVps: 3, throughputVps: 2.5, lag: 4, windowMs: epoch }, 4, 3, policy),
    {
      degraded: false,
    },
  );
  assert.deepEqual(
    judgeDegraded({ arrivalVps: 3, throughputVps: 0, lag: 4, windowMs: epoch - 1 }, 4, 3, policy),
    { degraded: false },
  );
});

test('expected is capped by what arrives: a lightly loaded pipeline is not below its target', () => {
  const v = judgeDegraded({ arrivalVps: 0.5, throughputVps: 0.5, lag: 2, windowMs: epoch }, 2, 3, policy);
  assert.deepEqual(v, { degraded: false });
  // Above the target, the target is what counts: 4 arriving, 2.9 served, target 3 → fine.
  assert.deepEqual(
    judgeDegraded({ arrivalVps: 4, throughputVps: 2.9, lag: 9, windowMs: epoch }, 9, 3, policy),
    {
      degraded: false,
    },
  );
});

test('an idle pipeline (nothing arriving, nothing waiting) is never degraded', () => {
  assert.deepEqual(
    judgeDegraded({ arrivalVps: 0, throughputVps: 0, lag: 0, windowMs: epoch }, 0, 3, policy),
    {
      degraded: false,
    },
  );
  assert.deepEqual(judgeDegraded(undefined, 5, 3, policy), { degraded: false });
});

test('a stuck backlog with nothing arriving is below target', () => {
  const v = judgeDegraded({ arrivalVps: 0, throughputVps: 0, lag: 50, windowMs: epoch }, 50, 3, policy);
  assert.ok(v.degraded && v.reason === 'BelowTarget');
});

test('lag growing wins when the backlog exceeds what the SLO allows in flight', () => {
  const v = judgeDegraded({ arrivalVps: 3, throughputVps: 3, lag: 9, windowMs: epoch }, 4, 3, policy);
  assert.ok(v.degraded && v.reason === 'LagGrowing' && v.message.startsWith('lag grew from 4 to 9 messages'));
  // 3 videos/s for a 2 s SLO: up to 6 videos may be in flight, so a backlog of 5 is not trouble…
  const inFlight = { arrivalVps: 3, throughputVps: 3, lag: 9, backlogVideos: 5, windowMs: epoch };
  assert.deepEqual(judgeDegraded(inFlight, 4, 3, policy, 2000), { degraded: false });
  // …while a backlog of 7 that keeps growing is.
  const behind = judgeDegraded({ ...inFlight, backlogVideos: 7 }, 4, 3, policy, 2000);
  assert.ok(behind.degraded && behind.reason === 'LagGrowing');
});
