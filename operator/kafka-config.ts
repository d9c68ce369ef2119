// The operator's Kafka TLS and SASL, read once by operator/config.ts: the material for its own
// client from the environment variables the chart sets from Secrets (charts/vpo deployment.yaml:
// VPO_KAFKA_TLS, VPO_KAFKA_TLS_CA/_CERT/_KEY, VPO_KAFKA_SASL_MECHANISM/_USERNAME/_PASSWORD), and
// for the runtime pods the Secret references (`--kafka-tls-ca-secret NAME/KEY` …), so the pods
// read the same Secrets by secretKeyRef. A variable set without its Secret flag is an error: the
// runtime pods could not connect.
import type { KafkaConnection } from '../kafka/connection.ts';
import type { RuntimeKafkaAuth, SaslMechanism, SecretKeyRef } from './render/options.ts';

export class KafkaConfigError extends Error {}

export interface OperatorKafkaAuth {
  /** For the operator's own client. */
  connection: Pick<KafkaConnection, 'ssl' | 'sasl'>;
  /** For rendering the runtime pods. */
  runtime: RuntimeKafkaAuth;
}

export const KAFKA_SECRET_FLAGS = [
  '--kafka-tls-ca-secret',
  '--kafka-tls-cert-secret',
  '--kafka-tls-key-secret',
  '--kafka-sasl-password-secret',
  '--runtime-kafka-secret',
] as const;

const mechanisms: SaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];

function secretRef(flag: string, text: string | undefined): SecretKeyRef | undefined {
  if (text === undefined) return undefined;
  const m = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\/([-._a-zA-Z0-9]+)$/.exec(text);
  if (!m) throw new KafkaConfigError(`${flag} must be SECRET/KEY, got ${text}`);
  return { name: m[1]!, key: m[3]! };
}

export function parseKafkaAuth(flags: Map<string, string>, env: NodeJS.ProcessEnv): OperatorKafkaAuth {
  const refs = {
    ca: secretRef('--kafka-tls-ca-secret', flags.get('--kafka-tls-ca-secret')),
    cert: secretRef('--kafka-tls-cert-secret', flags.get('--kafka-tls-cert-secret')),
    key: secretRef('--kafka-tls-key-secret', flags.get('--kafka-tls-key-secret')),
    password: secretRef('--kafka-sasl-password-secret', flags.get('--kafka-sasl-password-secret')),
  };
  const need = (variable: string, flag: string, ref: SecretKeyRef | undefined): SecretKeyRef => {
    if (!ref)
      throw new KafkaConfigError(`${variable} is set: ${flag} SECRET/KEY is required for runtime pods`);
    return ref;
  };
  const set = (name: string) => (env[name] ? env[name] : undefined);
  const connection: OperatorKafkaAuth['connection'] = {};
  const runtime: RuntimeKafkaAuth = {};
  const tlsOn = env.VPO_KAFKA_TLS === 'true';
  if (env.VPO_KAFKA_TLS !== undefined && !['true', 'false', ''].includes(env.VPO_KAFKA_TLS))
    throw new KafkaConfigError(`VPO_KAFKA_TLS must be true or false, got ${env.VPO_KAFKA_TLS}`);
  if (tlsOn) {
    const ca = set('VPO_KAFKA_TLS_CA');
    const cert = set('VPO_KAFKA_TLS_CERT');
    const key = set('VPO_KAFKA_TLS_KEY');
    if (Boolean(cert) !== Boolean(key))
      throw new KafkaConfigError('VPO_KAFKA_TLS_CERT and VPO_KAFKA_TLS_KEY go together (mutual TLS)');
    connection.ssl = ca || cert ? { ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}) } : true;
    runtime.tls = {
      ...(ca ? { ca: need('VPO_KAFKA_TLS_CA', '--kafka-tls-ca-secret', refs.ca) } : {}),
      ...(cert ? { cert: need('VPO_KAFKA_TLS_CERT', '--kafka-tls-cert-secret', refs.cert) } : {}),
      ...(key ? { key: need('VPO_KAFKA_TLS_KEY', '--kafka-tls-key-secret', refs.key) } : {}),
    };
  }
  const mechanism = set('VPO_KAFKA_SASL_MECHANISM');
  if (mechanism) {
    if (!mechanisms.includes(mechanism as SaslMechanism))
      throw new KafkaConfigError(`VPO_KAFKA_SASL_MECHANISM must be one of ${mechanisms.join(', ')}`);
    const username = set('VPO_KAFKA_SASL_USERNAME');
    const password = set('VPO_KAFKA_SASL_PASSWORD');
    if (!username || password === undefined)
      throw new KafkaConfigError('SASL needs VPO_KAFKA_SASL_USERNAME and VPO_KAFKA_SASL_PASSWORD');
    const ref = need('VPO_KAFKA_SASL_PASSWORD', '--kafka-sasl-password-secret', refs.password);
    if (!tlsOn && env.VPO_KAFKA_SASL_ALLOW_PLAINTEXT !== 'true')
      throw new KafkaConfigError(
        'SASL without TLS would send the credentials in clear: set VPO_KAFKA_TLS=true, or VPO_KAFKA_SASL_ALLOW_PLAINTEXT=true to allow it (chart: kafka.sasl.allowWithoutTls)',
      );
    const namespaceSecret = flags.get('--runtime-kafka-secret');
    if (namespaceSecret !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(namespaceSecret))
      throw new KafkaConfigError(`--runtime-kafka-secret must name a Secret, got ${namespaceSecret}`);
    connection.sasl = { mechanism: mechanism as SaslMechanism, username, password };
    runtime.sasl = {
      mechanism: mechanism as SaslMechanism,
      username,
      password: ref,
      ...(namespaceSecret ? { namespaceSecret } : {}),
    };
    if (!tlsOn) runtime.allowSaslWithoutTls = true;
  }
  return { connection, runtime };
}
