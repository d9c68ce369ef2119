// What every part of the executor shares for one pipeline: the config, the transport, frame holds,
// clock, logger and metrics, plus the two side effects that must always happen the same way:
// sending dead letters (with the metric) and releasing frame holds (never throwing).
import type { RuntimeConfig } from '../../contract/runtime-config.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import type { DeadLetter, Transport } from '../transport/transport.ts';
import { errorText } from './dead-letters.ts';
import type { FrameHolds } from './ports.ts';

export type ExecutorMetrics = Pick<
  RuntimeMetrics,
  'processedTotal' | 'deadlineMissesTotal' | 'deadLettersTotal'
> &
  Partial<Pick<RuntimeMetrics, 'itemsPerInput'>>;

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
