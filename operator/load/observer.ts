// Observed load of a pipeline from Kafka (never from pods): the arrival rate is the growth of the
// source topic's end offsets, the throughput the growth of the output topic's, both over a window
// of at least `windowMs` (one epoch) so a burst of reconciles does not turn noise into rates; the
// lag is what the stages' consumer groups have not committed yet (summed, in messages), and the
// backlog the same in videos (backlog.ts). The p99 end-to-end latency comes
// from the newest output records, read in the background at most once per window (bounded per
// partition and in time), so a slow read never holds up a reconcile. The clock is injected.
import type { KafkaAdmin } from '../../kafka/admin.ts';
import type { RecentRead } from '../../kafka/recent-records.ts';
import type { Clock } from '../clock.ts';
import { backlogVideos } from './backlog.ts';
import { type FanOutTopics, observeFanOut } from './fan-out-observed.ts';
import { p99LatencyMs, type TimedRecord } from './percentile.ts';
import { type LoadSample, offsetRate } from './policy.ts';

export type LoadAdmin = Pick<KafkaAdmin, 'groupLag' | 'topicEndOffsets'> & {
  recentRecords?(topic: string, read: RecentRead): Promise<TimedRecord[]>;
};

export interface PipelineLoadTopics {
  key: string;
  sourceTopic: string;
  outputTopic: string;
  /** Consumer group and input topic per stage, and the messages that topic carries per video. */
  stages: { group: string; topic: string; messagesPerVideo?: number }[];
  /** Stages whose outputs per input are measured (fan-out-observed.ts). */
  fanOuts?: FanOutTopics[];
}

export interface ObserverOptions {
  /** Rates span at least this long (the load epoch), milliseconds. */
  windowMs: number;
  recent: RecentRead;
}

export const DEFAULT_OBSERVER_OPTIONS: ObserverOptions = {
  windowMs: 10_000,
  recent: { perPartition: 200, timeoutMs: 5_000 },
};

export interface LoadObserver {
  /** A sample, or undefined on the first reading (a rate needs two). */
  observe(topics: PipelineLoadTopics): Promise<LoadSample | undefined>;
  forget(key: string): void;
}

interface Reading {
  atMs: number;
  source: number;
  output: number;
  /** End offsets of the measured fan-outs' topics. */
  stages?: Record<string, number>;
}

interface Latency {
  startedAtMs: number;
  pending: boolean;
  p99Ms?: number;
  error?: string;
}

/** Keeps the newest reading at least `windowMs` old as the base, and everything after it. */
export function windowed(readings: Reading[], nowMs: number, windowMs: number): Reading[] {
  let base = 0;
  for (let i = 0; i < readings.length; i++) if (readings[i]!.atMs <= nowMs - windowMs) base = i;
  return readings.slice(base);
}

export function createLoadObserver(
  admin: LoadAdmin,
  clock: Clock,
  options: ObserverOptions = DEFAULT_OBSERVER_OPTIONS,
): LoadObserver {
  const history = new Map<string, Reading[]>();
  const latency = new Map<string, Latency>();

  const readLatency = (topics: PipelineLoadTopics, nowMs: number) => {
    const last = latency.get(topics.key);
    if (!admin.recentRecords || last?.pending) return last;
    if (last && nowMs - last.startedAtMs < options.windowMs) return last;
    const next: Latency = { ...last, startedAtMs: nowMs, pending: true };
    latency.set(topics.key, next);
    admin
      .recentRecords(topics.outputTopic, options.recent)
      .then((records) => {
        const p99Ms = p99LatencyMs(records);
        if (p99Ms !== undefined) next.p99Ms = p99Ms;
        delete next.error;
      })
      .catch((err: Error) => {
        next.error = err.message;
      })
      .finally(() => {
        next.pending = false;
      });
    return next;
  };

  return {
    async observe(topics) {
      const fanOuts = topics.fanOuts ?? [];
      const stageTopics = [...new Set(fanOuts.flatMap((f) => [f.topic, f.downstreamTopic]))];
      const ends = await admin.topicEndOffsets([topics.sourceTopic, topics.outputTopic, ...stageTopics]);
      const nowMs = clock.nowMs();
      const reading: Reading = {
        atMs: nowMs,
        source: ends[topics.sourceTopic] ?? 0,
        output: ends[topics.outputTopic] ?? 0,
        stages: Object.fromEntries(stageTopics.map((t) => [t, ends[t] ?? 0])),
      };
      const readings = windowed([...(history.get(topics.key) ?? []), reading], nowMs, options.windowMs);
      history.set(topics.key, readings);
      const base = readings[0]!;
      const arrivalVps = offsetRate(
        { atMs: base.atMs, offset: base.source },
        { atMs: nowMs, offset: reading.source },
      );
      const throughputVps = offsetRate(
        { atMs: base.atMs, offset: base.output },
        { atMs: nowMs, offset: reading.output },
      );
      const lags = [];
      for (const stage of topics.stages) {
        const { total } = await admin.groupLag(stage.group, [stage.topic]);
        lags.push({ lag: total, messagesPerVideo: stage.messagesPerVideo });
      }
      const lag = lags.reduce((n, s) => n + s.lag, 0);
      const lat = readLatency(topics, nowMs);
      if (arrivalVps === undefined || throughputVps === undefined) return undefined;
      const fanOut = observeFanOut(fanOuts, (t) => (reading.stages?.[t] ?? 0) - (base.stages?.[t] ?? 0));
      return {
        arrivalVps,
        throughputVps,
        lag,
        backlogVideos: backlogVideos(lags),
        windowMs: nowMs - base.atMs,
        ...(lat?.p99Ms !== undefined ? { p99LatencyMs: lat.p99Ms } : {}),
        ...(lat?.error ? { latencyError: lat.error } : {}),
        ...(fanOut.length > 0 ? { fanOut } : {}),
      };
    },
    forget: (key) => {
      history.delete(key);
      latency.delete(key);
    },
  };
}
