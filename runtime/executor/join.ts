// Join state of one stage with several inputs: messages are collected by videoId until every
// input's output has arrived, then merged into one message. The state is bounded: at most
// `maxPending` videos wait at once (the oldest is evicted beyond it), and `expire` hands back the
// videos that waited longer than the join timeout. Both become JoinTimeout dead letters. A Map
// keeps insertion order, so the oldest entries are always first.
import type { StageMessage } from '../transport/transport.ts';

interface PendingJoin {
  message: StageMessage;
  firstAtMs: number;
}

export interface JoinAdded {
  /** The merged message when this arrival completed the join. */
  complete?: StageMessage;
  /** Videos pushed out because the state was full. */
  evicted: StageMessage[];
}

export class JoinBuffer {
  private readonly pending = new Map<string, PendingJoin>();
  private readonly inputs: string[];
  private readonly maxPending: number;

  constructor(inputs: string[], maxPending: number) {
    this.inputs = inputs;
    this.maxPending = maxPending;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Adds one upstream output (the message carries it in `outputs[<upstream>]`). */
  add(message: StageMessage, nowMs: number): JoinAdded {
    const entry = this.pending.get(message.videoId);
    const merged = entry ? mergeMessages(entry.message, message) : message;
    if (this.inputs.every((input) => input in merged.outputs)) {
      this.pending.delete(message.videoId);
      return { complete: merged, evicted: [] };
    }
    const evicted: StageMessage[] = [];
    if (entry) {
      entry.message = merged;
    } else {
      while (this.pending.size >= this.maxPending) {
        const [oldestId, oldest] = this.pending.entries().next().value as [string, PendingJoin];
        this.pending.delete(oldestId);
        evicted.push(oldest.message);
      }
      this.pending.set(message.videoId, { message: merged, firstAtMs: nowMs });
    }
    return { evicted };
  }

  /** Removes and returns the videos whose first input arrived more than `timeoutMs` ago. */
  expire(nowMs: number, timeoutMs: number): StageMessage[] {
    const expired: StageMessage[] = [];
    for (const [videoId, entry] of this.pending) {
      if (nowMs - entry.firstAtMs <= timeoutMs) break;
      this.pending.delete(videoId);
      expired.push(entry.message);
    }
    return expired;
  }

  /** Inputs still missing for a waiting video (for the dead letter's error text). */
  missing(message: StageMessage): string[] {
    return this.inputs.filter((input) => !(input in message.outputs));
  }
}

/** Earliest ingest time wins (the deadline counts from the first ingest); outputs are merged. */
function mergeMessages(a: StageMessage, b: StageMessage): StageMessage {
  return {
    ...a,
    ...(a.frameRef === undefined && b.frameRef !== undefined ? { frameRef: b.frameRef } : {}),
    ingestedAtMs: Math.min(a.ingestedAtMs, b.ingestedAtMs),
    outputs: { ...a.outputs, ...b.outputs },
  };
}
