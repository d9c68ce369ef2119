import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyProduceError } from './produce-errors.ts';

const protocol = (type: string, retriable: boolean) =>
  Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type, retriable });

test('the broker refusing a record or a topic is permanent, with the dead-letter reason', () => {
  assert.deepEqual(classifyProduceError(protocol('MESSAGE_TOO_LARGE', false)), {
    permanent: true,
    reason: 'OutputTooLarge',
  });
  assert.deepEqual(classifyProduceError(protocol('INVALID_TOPIC_EXCEPTION', false)), {
    permanent: true,
    reason: 'InvalidTopic',
  });
  assert.deepEqual(classifyProduceError(protocol('TOPIC_AUTHORIZATION_FAILED', false)), {
    permanent: true,
    reason: 'NotAuthorized',
  });
  assert.deepEqual(classifyProduceError(protocol('INVALID_TIMESTAMP', false)), {
    permanent: true,
    reason: 'PublishRejected',
  });
  const name = Object.assign(new Error('Invalid topic'), {
    name: 'KafkaJSNonRetriableError',
    retriable: false,
  });
  assert.deepEqual(classifyProduceError(name), { permanent: true, reason: 'InvalidTopic' });
});

test('Kafka being away, a failed login or a disconnected producer is retriable, never the message`s fault', () => {
  assert.deepEqual(classifyProduceError(protocol('NOT_LEADER_FOR_PARTITION', true)), { permanent: false });
  const connection = Object.assign(new Error('Connection error'), {
    name: 'KafkaJSConnectionError',
    retriable: true,
  });
  assert.deepEqual(classifyProduceError(connection), { permanent: false });
  const sasl = Object.assign(new Error('SASL failed'), {
    name: 'KafkaJSSASLAuthenticationError',
    retriable: false,
  });
  assert.deepEqual(classifyProduceError(sasl), { permanent: false });
  const gone = Object.assign(new Error('The producer is disconnected'), {
    name: 'KafkaJSError',
    retriable: false,
  });
  assert.deepEqual(classifyProduceError(gone), { permanent: false });
  assert.deepEqual(classifyProduceError(undefined), { permanent: false });
});
