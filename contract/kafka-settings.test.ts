import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kafkaSettingsFromConfig } from './kafka-settings.ts';
import type { RuntimeConfig, RuntimeStage } from './runtime-config.ts';

function config(stages: Partial<RuntimeStage>[], backends: RuntimeConfig['backends'] = []): RuntimeConfig {
  return {
    stages: stages.map((s) => ({ replicas: 1, batchSize: 8, profile: [], ...s })),
    backends,
    limits: { queueCapacity: 32, maxPendingJoins: 256 },
  } as unknown as RuntimeConfig;
}

const group = (name: string, replicas: number, rateVps: number, stage = 'motion') => ({
  name,
  gpuProduct: 'A100',
  replicas,
  dutyCycleMicros: 100_000,
  occupancy: 0.9,
  planGeneration: 1,
  sessions: [{ stage, session: stage, batchSize: 8, rateVps }],
});

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
});

test('gzip only when the planned stage messages fill a good part of a link', () => {
  // 1000 videos/s of small JSON messages (~2 MB/s): the wire is idle, gzip would only cost CPU.
  const busy = config([{ replicas: 10, batchSize: 16 }], [group('b', 10, 100)]);
  assert.equal(kafkaSettingsFromConfig(busy).producer.compression, 'none');
  // 100 000 messages/s (~200 MB/s): bytes matter.
  const flood = config([{ replicas: 100, batchSize: 16 }], [group('b', 100, 1000)]);
  assert.equal(kafkaSettingsFromConfig(flood).producer.compression, 'gzip');
});

test('partitions are raised until every pod gets its planned share of a stage within 5%', () => {
  // The sample: one pod takes motion at 10/s, a packed pod 1.57/s.
  const plain = kafkaSettingsFromConfig(config([{ name: 'motion', replicas: 2 }]));
  const weighted = kafkaSettingsFromConfig(
    config([{ name: 'motion', replicas: 2 }], [group('b0', 1, 10), group('b1', 1, 1.57)]),
  );
  assert.equal(plain.partitions, 8);
  assert.ok(weighted.partitions > plain.partitions, String(weighted.partitions));
  assert.ok(weighted.granularityError <= 0.05, String(weighted.granularityError));
  // Equal pods need nothing more than the consumer count asks for.
  const even = kafkaSettingsFromConfig(config([{ name: 'motion', replicas: 3 }], [group('b0', 3, 4)]));
  assert.equal(even.partitions, 12);
  assert.equal(even.granularityError, 0);
});
