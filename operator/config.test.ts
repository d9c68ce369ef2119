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
  assert.equal(c.planFor, 'poisson');
  assert.equal(
    parseOperatorArgs(['--plan-for', 'steady'], { KAFKA_BOOTSTRAP: 'k:9092' }, '1').planFor,
    'steady',
  );
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
  assert.throws(
    () => parseOperatorArgs(['--plan-for', 'bursty'], env, '1'),
    /--plan-for must be poisson or steady/,
  );
});

test('object store: the namespaces’ default, the frame-store bucket and the operator’s own keys', () => {
  const env = {
    KAFKA_BOOTSTRAP: 'k:9092',
    VPO_S3_ACCESS_KEY_ID: 'op',
    VPO_S3_SECRET_ACCESS_KEY: 'op-secret',
  };
  const c = parseOperatorArgs(
    [
      '--s3-endpoint=http://seaweedfs.storage:8333',
      '--s3-force-path-style',
      '--s3-credentials-secret',
      'vpo-s3',
      '--frame-store-bucket',
      'vpo-frames',
    ],
    env,
    '1',
  );
  assert.deepEqual(c.objectStore.runtime, {
    endpoint: 'http://seaweedfs.storage:8333',
    region: 'us-east-1',
    forcePathStyle: true,
    credentialsSecret: 'vpo-s3',
  });
  assert.equal(c.objectStore.frameStoreBucket, 'vpo-frames');
  assert.deepEqual(c.objectStore.connection?.credentials, {
    accessKeyId: 'op',
    secretAccessKey: 'op-secret',
  });
  const none = parseOperatorArgs([], { KAFKA_BOOTSTRAP: 'k:9092' }, '1');
  assert.equal(none.objectStore.runtime, undefined);
  assert.equal(none.objectStore.connection, undefined);
});

test('object store flags that cannot work are ConfigErrors', () => {
  const env = { KAFKA_BOOTSTRAP: 'k:9092' };
  const bad: [string[], RegExp, NodeJS.ProcessEnv?][] = [
    [['--frame-store-bucket', 'frames'], /need an object store/],
    [['--s3-region', 'x', '--frame-store-bucket', 'Bad_Bucket'], /S3 bucket name/],
    [['--s3-endpoint', 'ftp://x'], /http\(s\) URL/],
    [['--s3-region', 'x', '--frame-store-bucket', 'frames', '--frame-store-claim', 'c'], /choose one/],
    [['--s3-region', 'x'], /go together/, { ...env, VPO_S3_ACCESS_KEY_ID: 'a' }],
    [['--model-check-max-bytes', '0'], /positive integer/],
  ];
  for (const [args, why, e] of bad)
    assert.throws(() => parseOperatorArgs(args, e ?? env, '1'), why, args.join(' '));
});
