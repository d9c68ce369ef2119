// Reads the most recent records of a topic from Kafka, bounded: at most `perPartition` records
// from the end of each partition, and at most `timeoutMs` of wall time (whatever arrived by then
// is returned). A throwaway consumer group that never commits, so nothing is left behind but an
// empty group the broker expires. Used for observed.p99LatencyMs (never pod IPs).
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/** A record with its Kafka timestamp. */
export interface TimedRecord {
  /** The record's Kafka timestamp, ms since the epoch. */
  timestampMs: number;
  /** The record's value as text (a stage message as JSON). */
  value: string;
}

export interface RecentRead {
  perPartition: number;
  timeoutMs: number;
}

export async function readRecentRecords(
  kafka: Kafka,
  topic: string,
  read: RecentRead,
): Promise<TimedRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: { partition: number; high: number; low: number }[];
  try {
    if (!(await admin.listTopics()).includes(topic)) return [];
    ends = (await admin.fetchTopicOffsets(topic)).map((o) => ({
      partition: o.partition,
      high: Number(o.high),
      low: Number(o.low),
    }));
  } finally {
    await admin.disconnect();
  }
  const wanted = ends.filter((e) => e.high > e.low);
  if (wanted.length === 0) return [];
  const consumer = kafka.consumer({ groupId: `vpo-operator-recent-${randomUUID()}`, retry: { retries: 2 } });
  const records: TimedRecord[] = [];
  const open = new Set(wanted.map((e) => e.partition));
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const timer = setTimeout(finished, read.timeoutMs);
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const end = wanted.find((e) => e.partition === partition);
        const offset = Number(message.offset);
        if (!end || !open.has(partition)) return;
        if (offset < end.high && records.length < read.perPartition * wanted.length)
          records.push({
            timestampMs: Number(message.timestamp),
            value: message.value?.toString('utf8') ?? '',
          });
        if (offset >= end.high - 1) {
          open.delete(partition);
          if (open.size === 0) finished();
        }
      },
    });
    for (const e of wanted)
      consumer.seek({
        topic,
        partition: e.partition,
        offset: String(Math.max(e.low, e.high - read.perPartition)),
      });
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => {});
  }
  return records;
}
