// Observed load of a pipeline from Kafka (never from pods): the arrival rate is the growth of
// the source topic's end offsets between two readings; the lag is what the stages' consumer
// groups have not committed yet. Keeps the previous reading per pipeline; the clock is injected.
import type { KafkaAdmin } from '../../runtime/transport/kafka/admin.ts';
import type { Clock } from '../controller/clock.ts';
import { type LoadSample, offsetRate } from './policy.ts';

export type LoadAdmin = Pick<KafkaAdmin, 'groupLag' | 'topicEndOffsets'>;

export interface PipelineLoadTopics {
  key: string;
  sourceTopic: string;
  /** Consumer group and input topic per stage. */
  stages: { group: string; topic: string }[];
}

export interface LoadObserver {
  /** A sample, or undefined on the first reading (a rate needs two). */
  observe(topics: PipelineLoadTopics): Promise<LoadSample | undefined>;
  forget(key: string): void;
}

export function createLoadObserver(admin: LoadAdmin, clock: Clock): LoadObserver {
  const last = new Map<string, { atMs: number; offset: number }>();
  return {
    async observe(topics) {
      const ends = await admin.topicEndOffsets([topics.sourceTopic]);
      const reading = { atMs: clock.nowMs(), offset: ends[topics.sourceTopic] ?? 0 };
      const rate = offsetRate(last.get(topics.key), reading);
      last.set(topics.key, reading);
      let lag = 0;
      for (const stage of topics.stages) lag += (await admin.groupLag(stage.group, [stage.topic])).total;
      return rate === undefined ? undefined : { arrivalVps: rate, lag };
    },
    forget: (key) => {
      last.delete(key);
    },
  };
}
