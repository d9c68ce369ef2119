// The transport between runtime roles. The in-process implementation runs a whole pipeline in
// one process (`vpo run`); the Kafka implementation (runtime/transport/kafka/) is the only
// importer of the Kafka client. Delivery is at-least-once: a handler's returned promise resolves
// only after everything it produced is durably sent, and only then is the input acknowledged.
import type { DeadLetterReason, PublishReason } from '../../contract/dead-letter-reasons.ts';

/** A message between stages: small JSON, frames travel by reference (never pixels). */
export interface StageMessage {
  videoId: string;
  /** The original source URI, for dead letters and results. */
  source: string;
  /** Frame-store reference of the decoded frames. */
  frameRef?: string;
  /** Millisecond timestamp at ingest; deadlines are computed from it. */
  ingestedAtMs: number;
  /** Metadata of the decoded video (duration, frames, repeated…). */
  meta?: Record<string, unknown>;
  /** Outputs of upstream stages, keyed by stage name. */
  outputs: Record<string, unknown>;
  /**
   * Set on every message downstream of a fan-out stage (runtime/executor/fan-out.ts): how many
   * items that stage found in this video, so a gather knows when the video is complete. A video
   * with no items sends one message with `itemCount: 0` and no `item`.
   */
  itemCount?: number;
  /** Which of the video's items this message carries, 0 ≤ item < itemCount. */
  item?: number;
  /** The part of the stored frames the item covers (crop by reference: never pixels). */
  region?: ItemRegion;
}

/** A box on one stored frame, in pixels of the stored frames (the pipeline's sampling size). */
export interface ItemRegion {
  /** Index into the video's stored frames. */
  frame: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DeadLetter {
  videoId: string;
  source: string;
  stage: string;
  reason: DeadLetterReason;
  attempts: number;
  error: string;
  /** The original message, when there was one. */
  original?: unknown;
}

/**
 * What a handler leaves to do once its inputs are committed (a stage drops its frame holds): run
 * then, not when the handler resolves, so a redelivery after a crash between the two still finds
 * the frames; a crash before it leaves the holds to the frame store's TTL.
 */
export type AfterCommit = () => Promise<void>;

/** Why the transport refused a message for good (a dead-letter reason). */
export type PublishRejection = PublishReason;

/**
 * Some messages of a publish were refused for good (too large for the topic, an invalid topic,
 * no authorization): retrying cannot help. Every other message of the call was delivered; the
 * caller dead-letters the refused ones with their reason and goes on.
 */
export class PublishRejectedError extends Error {
  readonly retriable = false;
  readonly rejected: { videoId: string; reason: PublishRejection; error: string }[];

  constructor(topic: string, rejected: PublishRejectedError['rejected'], options: { cause?: unknown } = {}) {
    super(
      `${topic} refused ${rejected.length} message(s): ${rejected
        .slice(0, 3)
        .map((r) => `${r.videoId} (${r.reason}: ${r.error})`)
        .join('; ')}`,
      options,
    );
    this.name = 'PublishRejectedError';
    this.rejected = rejected;
  }
}

/** A topic is a logical channel: a stage's input, the pipeline's output, its dead letters. */
// biome-ignore lint/suspicious/noConfusingVoidType: most handlers are `async () => {}`, whose Promise<void> must fit
export type Handler = (messages: StageMessage[]) => Promise<void | AfterCommit>;

export interface Subscription {
  /** Stop delivering new messages (backpressure); in-flight ones finish. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export interface Transport {
  /**
   * Durably send; resolves when the messages are acknowledged by the transport. Rejects with
   * PublishRejectedError when some were refused for good (the rest were delivered).
   */
  publish(topic: string, messages: StageMessage[]): Promise<void>;
  publishDeadLetters(letters: DeadLetter[]): Promise<void>;
  /**
   * Deliver messages of `topic` to `handler` in batches of at most `maxBatch`; a message is
   * acknowledged (committed) only after the handler's promise resolves.
   */
  subscribe(
    topic: string,
    group: string,
    handler: Handler,
    options?: { maxBatch?: number },
  ): Promise<Subscription>;
  /** Whether messages can flow now (broker reachable, producer and consumers running); /readyz. */
  connected(): boolean;
  close(): Promise<void>;
}
