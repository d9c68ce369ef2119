import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitLatency, predictLatencyMs, recordLatency } from './latency-fit.ts';

test('recovers α and β from exact points', () => {
  const fit = fitLatency([1, 2, 4, 8].map((b) => ({ batchSize: b, latencyMs: 5 + 2 * b })));
  assert.ok(Math.abs(fit.alphaMs - 5) < 1e-9);
  assert.ok(Math.abs(fit.betaMs - 2) < 1e-9);
  assert.equal(predictLatencyMs(fit, 16), 37);
});

test('one batch size gives a proportional fit; no samples give zero', () => {
  assert.deepEqual(fitLatency([{ batchSize: 4, latencyMs: 20 }]), { alphaMs: 0, betaMs: 5 });
  assert.deepEqual(fitLatency([]), { alphaMs: 0, betaMs: 0 });
});

test('noise that would give a negative slope is clamped', () => {
  const fit = fitLatency([
    { batchSize: 1, latencyMs: 10 },
    { batchSize: 2, latencyMs: 9 },
  ]);
  assert.equal(fit.betaMs, 0);
  assert.ok(fit.alphaMs > 0);
});

test('the window keeps the latest samples and moves the fit', () => {
  let window = [1, 2].map((b) => ({ batchSize: b, latencyMs: 10 * b }));
  for (const b of [1, 2, 1, 2]) window = recordLatency(window, { batchSize: b, latencyMs: 20 * b }, 4);
  assert.equal(window.length, 4);
  assert.ok(Math.abs(fitLatency(window).betaMs - 20) < 1e-9);
});
