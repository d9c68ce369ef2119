import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRuntimeFile } from '../../contract/runtime-file.ts';
import { sampleChildren } from './fixtures.test-support.ts';
import type { RuntimeKafkaAuth } from './options.ts';

// biome-ignore lint/suspicious/noExplicitAny: the test walks rendered JSON by path
type Obj = Record<string, any>;

const kafkaAuth: RuntimeKafkaAuth = {
  tls: { ca: { name: 'kafka-ca', key: 'ca.crt' } },
  sasl: { mechanism: 'scram-sha-512', username: 'vpo', password: { name: 'kafka-user', key: 'password' } },
};

function render(auth?: RuntimeKafkaAuth) {
  const options = {
    image: 'vpo:test',
    kafkaBootstrap: 'k:9093',
    frameStoreClaim: 'frames',
    ...(auth ? { kafkaAuth: auth } : {}),
  };
  const objects = sampleChildren(options);
  const configMap = objects.find((o) => o.kind === 'ConfigMap') as Obj;
  const file = checkRuntimeFile(JSON.parse(configMap.data['config.json']), 'config.json');
  const deployments = objects.filter((o) => o.kind === 'Deployment') as Obj[];
  return { file, deployments, configMap };
}

test('TLS and SASL render into the runtime file as variable names, never secrets', () => {
  const { file, configMap } = render(kafkaAuth);
  assert.equal(file.kafka.ssl, true);
  assert.deepEqual(file.kafka.sslEnv, { ca: 'VPO_KAFKA_TLS_CA' });
  assert.deepEqual(file.kafka.sasl, {
    mechanism: 'scram-sha-512',
    username: 'vpo',
    passwordEnv: 'VPO_KAFKA_SASL_PASSWORD',
  });
  assert.doesNotMatch(configMap.data['config.json'], /kafka-user|kafka-ca|"password"/);
});

test('every runtime pod gets the variables the file names, from the same Secrets', () => {
  const { file, deployments } = render(kafkaAuth);
  assert.ok(deployments.length >= 2);
  for (const d of deployments) {
    const env = d.spec.template.spec.containers[0].env as Obj[];
    const byName = new Map(env.map((e) => [e.name, e]));
    assert.deepEqual(byName.get(file.kafka.sasl!.passwordEnv)?.valueFrom, {
      secretKeyRef: { name: 'kafka-user', key: 'password' },
    });
    assert.deepEqual(byName.get(file.kafka.sslEnv!.ca!)?.valueFrom, {
      secretKeyRef: { name: 'kafka-ca', key: 'ca.crt' },
    });
    assert.equal(byName.get('VPO_KAFKA_BOOTSTRAP')?.value, 'k:9093');
    assert.ok(!env.some((e) => 'value' in e && /kafka-user|password/.test(String(e.value))));
  }
});

test('mutual TLS renders certificate and key; without auth nothing Kafka-secret is rendered', () => {
  const mtls = render({
    tls: { cert: { name: 'client', key: 'tls.crt' }, key: { name: 'client', key: 'tls.key' } },
  });
  assert.deepEqual(mtls.file.kafka.sslEnv, { cert: 'VPO_KAFKA_TLS_CERT', key: 'VPO_KAFKA_TLS_KEY' });
  assert.equal(mtls.file.kafka.sasl, undefined);
  const env = mtls.deployments[0]!.spec.template.spec.containers[0].env as Obj[];
  assert.deepEqual(
    env
      .filter((e) => e.valueFrom && e.name.startsWith('VPO_KAFKA'))
      .map((e) => [e.name, e.valueFrom.secretKeyRef.key]),
    [
      ['VPO_KAFKA_TLS_CERT', 'tls.crt'],
      ['VPO_KAFKA_TLS_KEY', 'tls.key'],
    ],
  );
  const plain = render();
  assert.equal(plain.file.kafka.ssl, undefined);
  assert.equal(plain.file.kafka.sslEnv, undefined);
  assert.equal(plain.file.kafka.sasl, undefined);
  for (const d of plain.deployments)
    assert.ok(
      !(d.spec.template.spec.containers[0].env as Obj[]).some(
        (e) => e.valueFrom && e.name.startsWith('VPO_KAFKA'),
      ),
    );
});

test("a namespace principal: the pods read username and password from their namespace's Secret", () => {
  const sasl = { ...kafkaAuth.sasl!, namespaceSecret: 'vpo-kafka-runtime' };
  const { file, deployments, configMap } = render({ ...kafkaAuth, sasl });
  assert.deepEqual(file.kafka.sasl, {
    mechanism: 'scram-sha-512',
    usernameEnv: 'VPO_KAFKA_SASL_USERNAME',
    passwordEnv: 'VPO_KAFKA_SASL_PASSWORD',
  });
  // The operator's own username and password Secret reach no runtime pod.
  assert.doesNotMatch(configMap.data['config.json'], /"vpo"/);
  for (const d of deployments) {
    const env = d.spec.template.spec.containers[0].env as Obj[];
    const refs = env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, e.valueFrom.secretKeyRef]);
    assert.deepEqual(
      refs.filter(([name]) => String(name).startsWith('VPO_KAFKA_SASL')),
      [
        ['VPO_KAFKA_SASL_USERNAME', { name: 'vpo-kafka-runtime', key: 'username' }],
        ['VPO_KAFKA_SASL_PASSWORD', { name: 'vpo-kafka-runtime', key: 'password' }],
      ],
    );
    assert.doesNotMatch(JSON.stringify(env), /kafka-user/);
  }
});
