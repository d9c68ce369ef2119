import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseOperatorArgs } from './config.ts';

const base = { KAFKA_BOOTSTRAP: 'k:9093' };
// What charts/vpo sets with kafka.tls (CA + client cert) and kafka.sasl enabled.
const chartEnv = {
  ...base,
  VPO_KAFKA_TLS: 'true',
  VPO_KAFKA_TLS_CA: 'CA-PEM',
  VPO_KAFKA_TLS_CERT: 'CERT-PEM',
  VPO_KAFKA_TLS_KEY: 'KEY-PEM',
  VPO_KAFKA_SASL_MECHANISM: 'scram-sha-512',
  VPO_KAFKA_SASL_USERNAME: 'vpo',
  VPO_KAFKA_SASL_PASSWORD: 's3cret',
};
const chartFlags = [
  '--kafka-tls-ca-secret=kafka-ca/ca.crt',
  '--kafka-tls-cert-secret=kafka-client/tls.crt',
  '--kafka-tls-key-secret=kafka-client/tls.key',
  '--kafka-sasl-password-secret=kafka-user/password',
];

test('no TLS/SASL variables: a plaintext client and nothing for the runtime pods', () => {
  const c = parseOperatorArgs([], base, '1');
  assert.deepEqual(c.kafkaAuth, { connection: {}, runtime: {} });
  assert.deepEqual(c.tolerations, []);
});

test("the chart's variables configure the operator's client; the flags name the runtime Secrets", () => {
  const c = parseOperatorArgs(chartFlags, chartEnv, '1');
  assert.deepEqual(c.kafkaAuth.connection, {
    ssl: { ca: 'CA-PEM', cert: 'CERT-PEM', key: 'KEY-PEM' },
    sasl: { mechanism: 'scram-sha-512', username: 'vpo', password: 's3cret' },
  });
  assert.deepEqual(c.kafkaAuth.runtime, {
    tls: {
      ca: { name: 'kafka-ca', key: 'ca.crt' },
      cert: { name: 'kafka-client', key: 'tls.crt' },
      key: { name: 'kafka-client', key: 'tls.key' },
    },
    sasl: { mechanism: 'scram-sha-512', username: 'vpo', password: { name: 'kafka-user', key: 'password' } },
  });
  assert.doesNotMatch(JSON.stringify(c.kafkaAuth.runtime), /s3cret|PEM/);
});

test('TLS with the system CAs needs no Secret', () => {
  const c = parseOperatorArgs([], { ...base, VPO_KAFKA_TLS: 'true' }, '1');
  assert.deepEqual(c.kafkaAuth, { connection: { ssl: true }, runtime: { tls: {} } });
  assert.deepEqual(parseOperatorArgs([], { ...base, VPO_KAFKA_TLS: 'false' }, '1').kafkaAuth.connection, {});
});

test('Secret flags without the variables parse (the chart e2e parses args with no env)', () => {
  const c = parseOperatorArgs(chartFlags, base, '1');
  assert.deepEqual(c.kafkaAuth, { connection: {}, runtime: {} });
});

test('inconsistent Kafka settings are ConfigErrors naming what is missing', () => {
  const without = (flag: string) => chartFlags.filter((f) => !f.startsWith(flag));
  const cases: [string[], Record<string, string>, RegExp][] = [
    [without('--kafka-sasl-password-secret'), chartEnv, /--kafka-sasl-password-secret/],
    [without('--kafka-tls-ca-secret'), chartEnv, /--kafka-tls-ca-secret/],
    [without('--kafka-tls-key-secret'), chartEnv, /--kafka-tls-key-secret/],
    [chartFlags, { ...chartEnv, VPO_KAFKA_TLS_KEY: '' }, /go together/],
    [chartFlags, { ...chartEnv, VPO_KAFKA_SASL_MECHANISM: 'gssapi' }, /MECHANISM must be one of/],
    [chartFlags, { ...chartEnv, VPO_KAFKA_SASL_USERNAME: '' }, /SASL needs/],
    [chartFlags, { ...chartEnv, VPO_KAFKA_TLS: 'yes' }, /VPO_KAFKA_TLS must be true or false/],
    [['--kafka-sasl-password-secret=kafka-user'], base, /SECRET\/KEY/],
  ];
  for (const [argv, env, message] of cases) {
    assert.throws(
      () => parseOperatorArgs(argv, env, '1'),
      (e: Error) => e instanceof ConfigError && message.test(e.message),
    );
  }
});

test('--toleration is repeatable: key=value:Effect is Equal, key:Effect is Exists', () => {
  const c = parseOperatorArgs(
    ['--toleration', 'dedicated=video:NoSchedule', '--toleration=example.com/gpu-pool:NoExecute'],
    base,
    '1',
  );
  assert.deepEqual(c.tolerations, [
    { key: 'dedicated', operator: 'Equal', value: 'video', effect: 'NoSchedule' },
    { key: 'example.com/gpu-pool', operator: 'Exists', effect: 'NoExecute' },
  ]);
  for (const bad of ['dedicated=video', 'dedicated:Sometimes', ':NoSchedule', 'bad key:NoSchedule'])
    assert.throws(() => parseOperatorArgs(['--toleration', bad], base, '1'), ConfigError, bad);
});

test('SASL without TLS is refused unless explicitly allowed', () => {
  const { VPO_KAFKA_TLS, VPO_KAFKA_TLS_CA, VPO_KAFKA_TLS_CERT, VPO_KAFKA_TLS_KEY, ...plain } = chartEnv;
  const flags = ['--kafka-sasl-password-secret=kafka-user/password'];
  assert.throws(
    () => parseOperatorArgs(flags, plain, '1'),
    (e: Error) => e instanceof ConfigError && /credentials in clear/.test(e.message),
  );
  const c = parseOperatorArgs(flags, { ...plain, VPO_KAFKA_SASL_ALLOW_PLAINTEXT: 'true' }, '1');
  assert.equal(c.kafkaAuth.runtime.allowSaslWithoutTls, true);
});

test("with --runtime-kafka-secret the runtime pods get their namespace's principal, not the operator's", () => {
  const c = parseOperatorArgs([...chartFlags, '--runtime-kafka-secret=vpo-kafka-runtime'], chartEnv, '1');
  assert.equal(c.kafkaAuth.runtime.sasl?.namespaceSecret, 'vpo-kafka-runtime');
  assert.throws(
    () => parseOperatorArgs([...chartFlags, '--runtime-kafka-secret=Not_A/Name'], chartEnv, '1'),
    (e: Error) => e instanceof ConfigError && /--runtime-kafka-secret/.test(e.message),
  );
});
