import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newClusterId, renderServerProperties } from './server-properties.ts';

const input = {
  nodeId: 1,
  brokerPort: 9092,
  controllerPort: 9093,
  logDir: '/tmp/k',
  offsetsTopicPartitions: 4,
};

function parse(text: string): Map<string, string> {
  return new Map(
    text
      .trim()
      .split('\n')
      .map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1)] as [string, string];
      }),
  );
}

test('a single combined node on 127.0.0.1 with replication 1 everywhere', () => {
  const properties = parse(renderServerProperties(input));
  assert.equal(properties.get('process.roles'), 'broker,controller');
  assert.equal(properties.get('controller.quorum.voters'), '1@127.0.0.1:9093');
  assert.equal(properties.get('listeners'), 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093');
  assert.equal(properties.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:9092');
  assert.equal(properties.get('log.dirs'), '/tmp/k');
  assert.equal(properties.get('offsets.topic.num.partitions'), '4');
  assert.equal(properties.get('group.initial.rebalance.delay.ms'), '0');
  for (const key of [
    'offsets.topic.replication.factor',
    'transaction.state.log.replication.factor',
    'transaction.state.log.min.isr',
    'share.coordinator.state.topic.replication.factor',
    'share.coordinator.state.topic.min.isr',
  ]) {
    assert.equal(properties.get(key), '1', key);
  }
});

test('bad ports and a missing log dir are rejected with the field name', () => {
  assert.throws(() => renderServerProperties({ ...input, brokerPort: 0 }), /brokerPort must be a TCP port/);
  assert.throws(() => renderServerProperties({ ...input, controllerPort: 70000 }), /controllerPort/);
  assert.throws(() => renderServerProperties({ ...input, controllerPort: 9092 }), /must differ/);
  assert.throws(() => renderServerProperties({ ...input, logDir: '' }), /logDir/);
});

test('cluster ids are 22 base64url characters and never start with a dash', () => {
  assert.match(newClusterId(), /^[A-Za-z0-9_-]{22}$/);
  // 0xf8 encodes to '-' as the first base64url character; the id is drawn again.
  const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
  const id = newClusterId(() => draws.shift()!);
  assert.equal(id, Buffer.alloc(16, 0x01).toString('base64url'));
  assert.equal(draws.length, 0);
});
