// How a vpo process reaches Kafka: brokers, client id, optional TLS and SASL. The only place a
// kafkajs client is built (kafkajs is in maintenance mode: this folder is all that would change).
import { Kafka, type LogEntry, logLevel, type SASLOptions } from 'kafkajs';
import { quietKafkajsTimeoutWarnings } from './quiet-warnings.ts';

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  /** true: TLS with the system CAs; an object: PEM CA bundle and/or client certificate and key. */
  ssl?: boolean | { ca?: string; cert?: string; key?: string };
  /** PLAIN or SCRAM; the password is read once by the CLI (never written into config files). */
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** Socket connect timeout, milliseconds (default 3000). */
  connectionTimeoutMs?: number;
}

export interface KafkaLogger {
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Retries of long-running consumers: reconnect forever, backing off to 2 s. A consumer that ran
 * out of retries would crash and stop consuming for good while its process looks healthy.
 */
export const foreverRetry = { initialRetryTime: 100, maxRetryTime: 2000, retries: Number.MAX_SAFE_INTEGER };

/**
 * How old a client's topic metadata may get (kafkajs `metadataMaxAge`; Kafka's default is 5 min).
 * When the operator grows a topic's partitions, a consumer learns of the new partitions only from
 * fresh metadata (then it rejoins its group and the new partitions get a consumer), and a producer
 * keys onto them only then: until that, messages on the new partitions wait unread.
 */
export const METADATA_MAX_AGE_MS = 10_000;

/** A kafkajs client; only this folder and runtime/transport/kafka/ see kafkajs itself. */
export type KafkaClient = Kafka;

export function createKafkaClient(connection: KafkaConnection, logger?: KafkaLogger): KafkaClient {
  if (connection.brokers.length === 0) throw new Error('Kafka connection needs at least one broker');
  quietKafkajsTimeoutWarnings();
  return new Kafka({
    clientId: connection.clientId,
    brokers: connection.brokers,
    connectionTimeout: connection.connectionTimeoutMs ?? 3000,
    ...(connection.ssl ? { ssl: connection.ssl === true ? true : tlsOptions(connection.ssl) } : {}),
    ...(connection.sasl ? { sasl: connection.sasl as SASLOptions } : {}),
    // Reconnects back off to at most 2 s, so a restarted broker is found again quickly.
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 8 },
    logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
    logCreator:
      () =>
      ({ level, namespace, log }: LogEntry) => {
        // A group rebalancing while members join or leave is routine, not an error.
        if (!logger || /rebalancing|partitioner/i.test(`${log.message} ${String(log.error ?? '')}`)) return;
        const text = `kafka ${namespace}: ${log.message}${log.error ? ` (${String(log.error)})` : ''}`;
        if (level === logLevel.ERROR) logger.error(text);
        else logger.warn(text);
      },
  });
}

function tlsOptions(ssl: { ca?: string; cert?: string; key?: string }) {
  return {
    ...(ssl.ca ? { ca: [ssl.ca] } : {}),
    ...(ssl.cert ? { cert: ssl.cert } : {}),
    ...(ssl.key ? { key: ssl.key } : {}),
  };
}
