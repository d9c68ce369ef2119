// The Kafka admin calls the operator and the runtime need: topics created or grown (never shrunk:
// Kafka cannot, and keys would move), deleted, described; consumer-group lag and end offsets for
// observed rates. Used by the operator (TopicsReady, observed lag) and by the runtime roles.
import { type Admin, AssignerProtocol } from 'kafkajs';
import { createKafkaClient, type KafkaConnection, type KafkaLogger } from './connection.ts';

export interface TopicSpec {
  topic: string;
  /** Partitions of a new topic, and what a topic that must grow grows to. */
  partitions: number;
  /**
   * Grow an existing topic only while it has fewer partitions than this (default: `partitions`).
   * Growing re-keys videos onto new partitions while clients still use the old count (until their
   * metadata refreshes), so the operator grows only when the consumers need more partitions.
   */
  growBelow?: number;
}

/** Whether an existing topic with `current` partitions grows to `spec.partitions` (pure). */
export function mustGrow(spec: TopicSpec, current: number | undefined): boolean {
  if (current === undefined) return false;
  return current < Math.min(spec.growBelow ?? spec.partitions, spec.partitions);
}

export interface TopicChange {
  topic: string;
  action: 'created' | 'grown';
  /** Partitions before (0 when created) and after. */
  fromPartitions: number;
  toPartitions: number;
}

export interface GroupLag {
  total: number;
  topics: Record<string, number>;
}

/** One member of a consumer group, with the user data it sent at its last join. */
export interface GroupMember {
  groupId: string;
  memberId: string;
  clientId: string;
  userData: Buffer;
}

export interface KafkaAdmin {
  /** Creates missing topics and adds partitions to smaller ones; returns what changed. */
  ensureTopics(topics: TopicSpec[]): Promise<TopicChange[]>;
  deleteTopics(names: string[]): Promise<void>;
  /** Partition count per existing topic; absent topics are left out. */
  topicPartitions(names: string[]): Promise<Record<string, number>>;
  /** Messages not yet committed by `groupId`, per topic and in total (uncommitted = from the start). */
  groupLag(groupId: string, topics: string[]): Promise<GroupLag>;
  /** Sum over partitions of the end offset, per topic (the difference over time is the rate). */
  topicEndOffsets(topics: string[]): Promise<Record<string, number>>;
  /** Current members of the groups (none for a group that is empty or unknown). */
  groupMembers(groupIds: string[]): Promise<GroupMember[]>;
  close(): Promise<void>;
}

export async function createKafkaAdmin(
  connection: KafkaConnection & { replicationFactor?: number },
  logger?: KafkaLogger,
): Promise<KafkaAdmin> {
  const admin: Admin = createKafkaClient(connection, logger).admin();
  await admin.connect();
  const existing = async (): Promise<Set<string>> => new Set(await admin.listTopics());

  const topicPartitions = async (names: string[]): Promise<Record<string, number>> => {
    const present = await existing();
    const wanted = names.filter((n) => present.has(n));
    if (wanted.length === 0) return {};
    const metadata = await admin.fetchTopicMetadata({ topics: wanted });
    return Object.fromEntries(metadata.topics.map((t) => [t.name, t.partitions.length]));
  };

  const offsetsOf = async (topic: string) => admin.fetchTopicOffsets(topic);

  return {
    async ensureTopics(topics) {
      for (const t of topics) {
        if (!Number.isInteger(t.partitions) || t.partitions < 1)
          throw new Error(`topic ${t.topic}: partitions must be a positive integer, got ${t.partitions}`);
      }
      const current = await topicPartitions(topics.map((t) => t.topic));
      const changes: TopicChange[] = [];
      const create = topics.filter((t) => current[t.topic] === undefined);
      if (create.length > 0) {
        // kafkajs's own waitForLeaders retries only LEADER_NOT_AVAILABLE; a KRaft broker may
        // first answer UNKNOWN_TOPIC_OR_PARTITION for a topic it just created, so we wait here.
        await admin.createTopics({
          waitForLeaders: false,
          topics: create.map((t) => ({
            topic: t.topic,
            numPartitions: t.partitions,
            replicationFactor: connection.replicationFactor ?? -1,
          })),
        });
        await waitForLeaders(
          admin,
          create.map((t) => t.topic),
        );
        for (const t of create)
          changes.push({ topic: t.topic, action: 'created', fromPartitions: 0, toPartitions: t.partitions });
      }
      const grow = topics.filter((t) => mustGrow(t, current[t.topic]));
      if (grow.length > 0) {
        await admin.createPartitions({
          topicPartitions: grow.map((t) => ({ topic: t.topic, count: t.partitions })),
        });
        for (const t of grow) {
          const from = current[t.topic] ?? 0;
          changes.push({ topic: t.topic, action: 'grown', fromPartitions: from, toPartitions: t.partitions });
        }
      }
      return changes;
    },
    async deleteTopics(names) {
      const present = await existing();
      const topics = names.filter((n) => present.has(n));
      if (topics.length > 0) await admin.deleteTopics({ topics });
    },
    topicPartitions,
    async groupLag(groupId, topics) {
      const present = await existing();
      const result: GroupLag = { total: 0, topics: {} };
      const wanted = topics.filter((t) => present.has(t));
      if (wanted.length === 0) return result;
      const committed = await admin.fetchOffsets({ groupId, topics: wanted });
      for (const { topic, partitions } of committed) {
        const ends = await offsetsOf(topic);
        let lag = 0;
        for (const end of ends) {
          const done = partitions.find((p) => p.partition === end.partition);
          const from = done && Number(done.offset) >= 0 ? Number(done.offset) : Number(end.low);
          lag += Math.max(0, Number(end.high) - from);
        }
        result.topics[topic] = lag;
        result.total += lag;
      }
      return result;
    },
    async topicEndOffsets(topics) {
      const present = await existing();
      const result: Record<string, number> = {};
      for (const topic of topics.filter((t) => present.has(t))) {
        result[topic] = (await offsetsOf(topic)).reduce((sum, p) => sum + Number(p.high), 0);
      }
      return result;
    },
    async groupMembers(groupIds) {
      if (groupIds.length === 0) return [];
      const { groups } = await admin.describeGroups(groupIds);
      return groups.flatMap((g) =>
        g.members.map((m) => {
          let userData: Buffer = Buffer.alloc(0);
          try {
            userData = AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData ?? userData;
          } catch {
            // Not the consumer protocol's metadata (another kind of group): no user data.
          }
          return { groupId: g.groupId, memberId: m.memberId, clientId: m.clientId, userData };
        }),
      );
    },
    close: () => admin.disconnect(),
  };
}

const leaderWaitMs = 30_000;

/** Resolves once every partition of `topics` has a leader; retriable metadata errors are retried. */
async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + leaderWaitMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      const ready = metadata.topics.every(
        (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
      );
      if (ready && metadata.topics.length === topics.length) return;
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable) throw err;
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`topics ${topics.join(', ')} have no leader after ${leaderWaitMs} ms`, { cause: last });
}
