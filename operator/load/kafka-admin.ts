// The operator's Kafka admin: connects on first use and reconnects after a failure, so the
// operator starts (and serves probes) while the broker is away; calls then fail, become the
// TopicsReady=False condition, and are retried by the next reconcile.

import { createKafkaAdmin, type KafkaAdmin } from '../../kafka/admin.ts';
import type { KafkaClient, KafkaConnection } from '../../kafka/connection.ts';
import { createKafkaClient } from '../../kafka/connection.ts';
import { type RecentRead, readRecentRecords } from '../../kafka/recent-records.ts';
import type { Logger } from '../logger.ts';
import type { TimedRecord } from './percentile.ts';

export type OperatorKafkaAdmin = Pick<
  KafkaAdmin,
  'ensureTopics' | 'deleteTopics' | 'groupLag' | 'topicEndOffsets' | 'groupMembers'
> & {
  /** The newest records of `topic`, bounded per partition and in time (recent-records.ts). */
  recentRecords(topic: string, read: RecentRead): Promise<TimedRecord[]>;
  close(): Promise<void>;
};

export function lazyKafkaAdmin(
  bootstrap: string,
  logger: Logger,
  auth: Pick<KafkaConnection, 'ssl' | 'sasl'> = {},
): OperatorKafkaAdmin {
  let admin: Promise<KafkaAdmin> | undefined;
  let client: KafkaClient | undefined;
  const connection = {
    brokers: bootstrap.split(',').map((b) => b.trim()),
    clientId: 'vpo-operator',
    ...auth,
  };
  const kafkaLogger = { warn: (m: string) => logger.warn(m), error: (m: string) => logger.warn(m) };
  const get = () => {
    admin ??= createKafkaAdmin(connection, kafkaLogger);
    return admin;
  };
  const call = async <T>(fn: (a: KafkaAdmin) => Promise<T>): Promise<T> => {
    try {
      return await fn(await get());
    } catch (err) {
      const dead = admin;
      admin = undefined;
      void dead?.then((a) => a.close()).catch(() => {});
      throw new Error(`Kafka ${bootstrap}: ${(err as Error).message}`, { cause: err });
    }
  };
  return {
    ensureTopics: (topics) => call((a) => a.ensureTopics(topics)),
    deleteTopics: (names) => call((a) => a.deleteTopics(names)),
    groupLag: (group, topics) => call((a) => a.groupLag(group, topics)),
    topicEndOffsets: (topics) => call((a) => a.topicEndOffsets(topics)),
    groupMembers: (groups) => call((a) => a.groupMembers(groups)),
    async recentRecords(topic, read) {
      client ??= createKafkaClient(connection, kafkaLogger);
      try {
        return await readRecentRecords(client, topic, read);
      } catch (err) {
        throw new Error(`Kafka ${bootstrap}: reading ${topic}: ${(err as Error).message}`, { cause: err });
      }
    },
    async close() {
      const current = admin;
      admin = undefined;
      await current?.then((a) => a.close()).catch(() => {});
    },
  };
}
