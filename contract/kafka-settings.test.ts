import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kafkaSettingsFromConfig } from './kafka-settings.ts';
import type { RuntimeConfig, RuntimeStage } from './runtime-config.ts';

function config(stages: Partial<RuntimeStage>[]): RuntimeConfig {
  return {
    stages: stages.map((s) => ({ replicas: 1, batchSize: 8, profile: [], ...s })),
    limits: { queueCapacity: 32, maxPendingJoins: 256 },
  } as unknown as RuntimeConfig;
}

test('partitions cover the largest planned consumer count with headroom, never below the minimum', () => {
  const small = kafkaSettingsFromConfig(config([{ replicas: 1 }]));
  assert.equal(small.partitions, 4);
  const big = kafkaSettingsFromConfig(config([{ replicas: 5 }, { replicas: 15 }]));
  assert.ok(big.partitions >= 2 * 15 * big.consumersPerStage, String(big.partitions));
  assert.deepEqual(big, kafkaSettingsFromConfig(config([{ replicas: 5 }, { replicas: 15 }])));
});

test('a slow planned batch lengthens the session timeout; in-flight covers the join state', () => {
  const slow = kafkaSettingsFromConfig(config([{ profile: [{ batchSize: 8, latencyMicros: 9_000_000 }] }]));
  assert.ok(slow.consumer.sessionTimeoutMs >= 4 * 18_000);
  assert.ok(slow.consumer.heartbeatIntervalMs < slow.consumer.sessionTimeoutMs / 3);
  assert.ok(slow.consumer.maxInFlightMessages > 256);
  assert.equal(slow.producer.compression, 'none');
  assert.equal(
    kafkaSettingsFromConfig(config([{ replicas: 10, batchSize: 16 }])).producer.compression,
    'gzip',
  );
});
