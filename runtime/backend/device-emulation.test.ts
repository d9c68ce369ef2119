import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emulationPadMs, profiledLatencyMs } from './device-emulation.ts';

const profile = [
  { batchSize: 4, latencyMs: 100 },
  { batchSize: 1, latencyMs: 40 },
  { batchSize: 8, latencyMs: 160 },
];

test('ℓ(b) at points, between them, and outside the profiled range', () => {
  assert.equal(profiledLatencyMs(profile, 1), 40);
  assert.equal(profiledLatencyMs(profile, 4), 100);
  assert.equal(profiledLatencyMs(profile, 2), 60);
  assert.equal(profiledLatencyMs(profile, 6), 130);
  assert.equal(profiledLatencyMs(profile, 16), 320);
  assert.equal(profiledLatencyMs([{ batchSize: 2, latencyMs: 50 }], 1), 25);
  assert.equal(profiledLatencyMs([], 3), 0);
});

test('the pad is what is left of ℓ(b), never negative', () => {
  assert.equal(emulationPadMs(profile, 4, 30), 70);
  assert.equal(emulationPadMs(profile, 4, 150), 0);
  assert.equal(emulationPadMs([], 4, 10), 0);
});
