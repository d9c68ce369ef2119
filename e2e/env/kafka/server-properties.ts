import { randomBytes } from 'node:crypto';

export interface ServerPropertiesInput {
  nodeId: number;
  brokerPort: number;
  controllerPort: number;
  logDir: string;
  /** Partitions of __consumer_offsets; Kafka's 50 make the first group join slow on one node. */
  offsetsTopicPartitions: number;
}

/**
 * server.properties for one combined broker+controller on 127.0.0.1 (KRaft, static quorum).
 * Every internal topic gets replication factor and min ISR 1, since there is one node.
 */
export function renderServerProperties(input: ServerPropertiesInput): string {
  for (const [name, port] of [
    ['brokerPort', input.brokerPort],
    ['controllerPort', input.controllerPort],
  ] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`${name} must be a TCP port (1-65535), got ${port}`);
    }
  }
  if (input.brokerPort === input.controllerPort) {
    throw new Error(`brokerPort and controllerPort must differ, both are ${input.brokerPort}`);
  }
  if (!input.logDir) throw new Error('logDir must be a directory path');
  const lines: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': input.nodeId,
    'controller.quorum.voters': `${input.nodeId}@127.0.0.1:${input.controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${input.brokerPort},CONTROLLER://127.0.0.1:${input.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${input.brokerPort}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': input.logDir,
    'num.partitions': 1,
    'auto.create.topics.enable': 'true',
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': input.offsetsTopicPartitions,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    // Test data is thrown away with the temp dir; keep segments small and never fsync.
    'log.segment.bytes': 16 * 1024 * 1024,
  };
  return `${Object.entries(lines)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/**
 * A KRaft cluster id: 16 random bytes, base64url without padding (Kafka's Uuid.toString). Like
 * Kafka's Uuid.randomUuid, it never starts with '-', which a command line would read as a flag.
 */
export function newClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
