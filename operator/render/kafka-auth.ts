// Kafka TLS and SASL of the runtime pods. The runtime file names environment variables
// (`kafka.sslEnv`, `kafka.sasl.passwordEnv`), never secret material; the pods get those variables
// as secretKeyRef from the Secrets the operator was told about, so a password or key never passes
// through the ConfigMap. Same variable names as the operator's own (charts/vpo deployment.yaml).
// Pure.
import type { RuntimeFileKafka } from '../../contract/runtime-file.ts';
import type { RuntimeKafkaAuth, SecretKeyRef } from './options.ts';

export const KAFKA_ENV = {
  tlsCa: 'VPO_KAFKA_TLS_CA',
  tlsCert: 'VPO_KAFKA_TLS_CERT',
  tlsKey: 'VPO_KAFKA_TLS_KEY',
  saslUsername: 'VPO_KAFKA_SASL_USERNAME',
  saslPassword: 'VPO_KAFKA_SASL_PASSWORD',
} as const;

type FileAuth = Pick<RuntimeFileKafka, 'ssl' | 'sslEnv' | 'sasl' | 'allowSaslWithoutTls'>;

export function runtimeFileKafkaAuth(auth: RuntimeKafkaAuth | undefined): FileAuth {
  const tls = auth?.tls;
  const sslEnv = {
    ...(tls?.ca ? { ca: KAFKA_ENV.tlsCa } : {}),
    ...(tls?.cert ? { cert: KAFKA_ENV.tlsCert } : {}),
    ...(tls?.key ? { key: KAFKA_ENV.tlsKey } : {}),
  };
  return {
    ...(tls ? { ssl: true } : {}),
    ...(Object.keys(sslEnv).length > 0 ? { sslEnv } : {}),
    ...(auth?.sasl
      ? {
          sasl: {
            mechanism: auth.sasl.mechanism,
            ...(auth.sasl.namespaceSecret
              ? { usernameEnv: KAFKA_ENV.saslUsername }
              : { username: auth.sasl.username }),
            passwordEnv: KAFKA_ENV.saslPassword,
          },
        }
      : {}),
    ...(auth?.sasl && auth.allowSaslWithoutTls ? { allowSaslWithoutTls: true } : {}),
  };
}

const fromSecret = (name: string, ref: SecretKeyRef) => ({
  name,
  valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } },
});

/** The pod environment variables the runtime file's `*Env` fields name. */
export function kafkaSecretEnv(auth: RuntimeKafkaAuth | undefined): Record<string, unknown>[] {
  const tls = auth?.tls;
  return [
    ...(tls?.ca ? [fromSecret(KAFKA_ENV.tlsCa, tls.ca)] : []),
    ...(tls?.cert ? [fromSecret(KAFKA_ENV.tlsCert, tls.cert)] : []),
    ...(tls?.key ? [fromSecret(KAFKA_ENV.tlsKey, tls.key)] : []),
    ...(auth?.sasl?.namespaceSecret
      ? [
          fromSecret(KAFKA_ENV.saslUsername, { name: auth.sasl.namespaceSecret, key: 'username' }),
          fromSecret(KAFKA_ENV.saslPassword, { name: auth.sasl.namespaceSecret, key: 'password' }),
        ]
      : auth?.sasl
        ? [fromSecret(KAFKA_ENV.saslPassword, auth.sasl.password)]
        : []),
  ];
}
