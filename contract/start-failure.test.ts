import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatStartFailure, parseStartFailure, TERMINATION_MESSAGE_MAX_BYTES } from './start-failure.ts';

test('a start failure round-trips through the termination message, on one line', () => {
  const text = formatStartFailure({
    reason: 'ProviderUnavailable',
    message: 'stage scene (session scene) needs cuda:\n libraries present, no NVIDIA driver',
  });
  assert.equal(
    text,
    'ProviderUnavailable: stage scene (session scene) needs cuda: libraries present, no NVIDIA driver',
  );
  assert.deepEqual(parseStartFailure(text), {
    reason: 'ProviderUnavailable',
    message: 'stage scene (session scene) needs cuda: libraries present, no NVIDIA driver',
  });
});

test('anything else is not a start failure; long messages fit what the kubelet keeps', () => {
  assert.equal(parseStartFailure(undefined), undefined);
  assert.equal(parseStartFailure('Error: boom'), undefined);
  assert.equal(parseStartFailure('{"gpuProduct": "x"}'), undefined);
  const long = formatStartFailure({ reason: 'StartFailed', message: 'é'.repeat(5000) });
  assert.ok(new TextEncoder().encode(long).length <= TERMINATION_MESSAGE_MAX_BYTES);
  assert.equal(parseStartFailure(long)?.reason, 'StartFailed');
});
