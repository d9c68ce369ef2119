import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseOperatorArgs } from './config.ts';

test('defaults, flags and the two environment fallbacks', () => {
  const c = parseOperatorArgs(
    ['--leader-elect', '--port=0', '--namespace', 'media'],
    { KAFKA_BOOTSTRAP: 'k:9092', KUBECONFIG: '/kc' },
    '1.0.0',
  );
  assert.equal(c.kafkaBootstrap, 'k:9092');
  assert.equal(c.kubeconfig, '/kc');
  assert.equal(c.leaderElect, true);
  assert.equal(c.port, 0);
  assert.equal(c.leaseNamespace, 'media');
  assert.equal(c.image, 'ghcr.io/vpo-dev/vpo:1.0.0');
  assert.equal(c.cudaImage, undefined, 'rendering derives <image>-cuda');
  assert.equal(c.loadEpochMs, 10_000);
  const cuda = parseOperatorArgs(['--cuda-image', 'r/vpo@sha256:d'], { KAFKA_BOOTSTRAP: 'k:9092' }, '1.0.0');
  assert.equal(cuda.cudaImage, 'r/vpo@sha256:d');
});

test('bad input is a ConfigError naming the option', () => {
  const env = { KAFKA_BOOTSTRAP: 'k:9092' };
  assert.throws(() => parseOperatorArgs(['--port', 'x'], env, '1'), /--port must be an integer/);
  assert.throws(() => parseOperatorArgs(['--nope', '1'], env, '1'), ConfigError);
  assert.throws(() => parseOperatorArgs([], {}, '1'), /--kafka-bootstrap/);
  assert.throws(() => parseOperatorArgs(['--load-epoch-ms', '5000'], env, '1'), />= 10000/);
  assert.throws(() => parseOperatorArgs(['--image'], env, '1'), /needs a value/);
});
