// The operator's Kafka admin: connects on first use and reconnects after a failure, so the
// operator starts (and serves probes) while the broker is away; calls then fail, become the
// TopicsReady=False condition, and are retried by the next reconcile.
import { createKafkaAdmin, type KafkaAdmin } from '../../runtime/transport/kafka/admin.ts';
import type { Logger } from '../controller/logger.ts';

export type OperatorKafkaAdmin = Pick<
  KafkaAdmin,
  'ensureTopics' | 'deleteTopics' | 'groupLag' | 'topicEndOffsets'
> & {
  close(): Promise<void>;
};

export function lazyKafkaAdmin(bootstrap: string, logger: Logger): OperatorKafkaAdmin {
  let admin: Promise<KafkaAdmin> | undefined;
  const get = () => {
    admin ??= createKafkaAdmin(
      { brokers: bootstrap.split(',').map((b) => b.trim()), clientId: 'vpo-operator' },
      { warn: (m) => logger.warn(m), error: (m) => logger.warn(m) },
    );
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
    async close() {
      const current = admin;
      admin = undefined;
      await current?.then((a) => a.close()).catch(() => {});
    },
  };
}
