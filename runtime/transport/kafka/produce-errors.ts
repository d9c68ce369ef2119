// Which producer failures are the message's (permanent: retrying the same record cannot succeed)
// and which are Kafka's (retriable: the broker is away, a leader moves, a topic is being
// created). The producer already retries kafkajs's retriable errors with backoff (idempotent,
// without limit). Permanent are the broker's non-retriable answers about the records or the topic
// (too large, invalid topic, not authorized, and other protocol refusals); anything else that
// gives up (a disconnected producer, a failed login, a timeout) is not the message's fault and
// stays retriable, so it never turns good videos into dead letters.
import type { PublishRejection } from '../transport.ts';

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);
const INVALID_TOPIC = new Set(['INVALID_TOPIC_EXCEPTION']);
const NOT_AUTHORIZED = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
]);

export type ProduceFailure = { permanent: false } | { permanent: true; reason: PublishRejection };

export function classifyProduceError(error: unknown): ProduceFailure {
  const e = error as { retriable?: unknown; type?: unknown; name?: unknown; message?: unknown } | null;
  const type = typeof e?.type === 'string' ? e.type : '';
  if (TOO_LARGE.has(type)) return { permanent: true, reason: 'OutputTooLarge' };
  if (INVALID_TOPIC.has(type)) return { permanent: true, reason: 'InvalidTopic' };
  if (NOT_AUTHORIZED.has(type)) return { permanent: true, reason: 'NotAuthorized' };
  if (e?.retriable !== false) return { permanent: false };
  // kafkajs's own check of a topic name comes without a protocol type.
  if (/^invalid topic$/i.test(String(e?.message ?? ''))) return { permanent: true, reason: 'InvalidTopic' };
  if (e?.name === 'KafkaJSProtocolError') return { permanent: true, reason: 'PublishRejected' };
  return { permanent: false };
}
