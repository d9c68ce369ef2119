// Reads a topic's JSON records from the beginning in a throwaway group (never committed): for
// tools that watch the output and dead-letter topics (the Kafka demo, benchmarks, tests). A
// record that is not JSON is handed over as its text.
import { randomUUID } from 'node:crypto';
import { createKafkaClient, foreverRetry, type KafkaConnection } from './connection.ts';

export interface TopicReader {
  close(): Promise<void>;
}

export async function startTopicReader(
  connection: KafkaConnection,
  topic: string,
  onRecord: (value: unknown) => void,
): Promise<TopicReader> {
  const consumer = createKafkaClient(connection).consumer({
    retry: foreverRetry,
    groupId: `vpo-reader-${randomUUID()}`,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      const text = message.value?.toString('utf8') ?? '';
      try {
        onRecord(JSON.parse(text));
      } catch {
        onRecord(text);
      }
    },
  });
  return { close: () => consumer.disconnect() };
}
