// What every part of the executor shares for one pipeline: the config, the transport, frame holds,
// clock, logger and metrics, plus the two side effects that must always happen the same way:
// sending dead letters (with the metric) and releasing frame holds (never throwing).
import type { RuntimeConfig } from '../../contract/runtime-config.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import {
  type DeadLetter,
  PublishRejectedError,
  type PublishRejection,
  type StageMessage,
  type Transport,
} from '../transport/transport.ts';
import { errorText } from './dead-letters.ts';
import type { FrameHolds } from './ports.ts';

export type ExecutorMetrics = Pick<
  RuntimeMetrics,
  'processedTotal' | 'deadlineMissesTotal' | 'deadLettersTotal'
> &
  Partial<Pick<RuntimeMetrics, 'itemsPerInput' | 'videosCompletedTotal' | 'endToEndSeconds'>>;

export interface ExecutorContext {
  config: RuntimeConfig;
  transport: Transport;
  frames: FrameHolds;
  clock: Clock;
  logger: Logger;
  metrics?: ExecutorMetrics;
}

export async function sendDeadLetters(ctx: ExecutorContext, letters: DeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  const pipeline = ctx.config.pipeline.name;
  for (const l of letters) ctx.metrics?.deadLettersTotal.inc({ pipeline, stage: l.stage, reason: l.reason });
  await ctx.transport.publishDeadLetters(letters);
}

/** Drops `count` holds on a video's frames; a failure is logged (the TTL sweep is the safety net). */
export async function releaseFrames(
  ctx: ExecutorContext,
  ref: string | undefined,
  count: number,
): Promise<void> {
  if (ref === undefined) return;
  for (let i = 0; i < count; i++) {
    try {
      await ctx.frames.release(ref);
    } catch (error) {
      ctx.logger.warn(`cannot release frames ${ref}: ${errorText(error)}`);
      return;
    }
  }
}

/**
 * Frame holds to drop when a video dies at `stageName`: this stage's own hold (if it reads frames)
 * and those of the frame-reading stages downstream of it, which will now never run.
 */
export function holdsLostAt(config: RuntimeConfig, stageName: string): number {
  const byName = new Map(config.stages.map((s) => [s.name, s]));
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const next of byName.get(name)?.downstream ?? []) visit(next);
  };
  visit(stageName);
  return [...seen].filter((name) => byName.get(name)?.input.source === 'frames').length;
}

/** Messages a publish refused for good, by videoId: their reason and the transport's words. */
export type Refused = Map<string, { reason: PublishRejection; error: string; topics: number }>;

/**
 * Publishes `messages` to every topic; what a topic refuses for good (PublishRejectedError) is
 * returned rather than thrown, so the caller dead-letters those and the rest flows. Kafka being
 * away still throws (the subscription retries the chunk).
 */
export async function publishAll(
  ctx: ExecutorContext,
  topics: string[],
  messages: StageMessage[],
): Promise<Refused> {
  const refused: Refused = new Map();
  if (messages.length === 0) return refused;
  await Promise.all(
    topics.map(async (topic) => {
      try {
        await ctx.transport.publish(topic, messages);
      } catch (error) {
        if (!(error instanceof PublishRejectedError)) throw error;
        for (const r of error.rejected) {
          const seen = refused.get(r.videoId);
          refused.set(r.videoId, {
            reason: r.reason,
            error: `${topic}: ${r.error}`,
            topics: (seen?.topics ?? 0) + 1,
          });
        }
      }
    }),
  );
  return refused;
}

/**
 * End-to-end latency and SLO attainment of videos whose results reached the output topic (a sink
 * stage's or a gather's results).
 */
export function recordCompleted(ctx: ExecutorContext, results: StageMessage[]): void {
  const metrics = ctx.metrics;
  if (!metrics?.videosCompletedTotal || results.length === 0) return;
  const { namespace, name } = ctx.config.pipeline;
  const pipeline = `${namespace}/${name}`;
  const nowMs = ctx.clock.nowMs();
  for (const r of results) {
    const latencyMs = Math.max(0, nowMs - r.ingestedAtMs);
    metrics.endToEndSeconds?.observe({ pipeline }, latencyMs / 1000);
    metrics.videosCompletedTotal.inc({
      pipeline,
      slo: latencyMs <= ctx.config.latency.sloMs ? 'met' : 'missed',
    });
  }
}
