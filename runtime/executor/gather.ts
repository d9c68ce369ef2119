// Gather state of one gather stage: a video's item messages are collected by videoId until as
// many distinct items as announced (itemCount, carried by every item message) have arrived —
// at once for a video with no items. The same bounds and timeout as the join (join.ts): at most
// `maxPending` videos wait (the oldest is evicted beyond), `expire` hands back those that waited
// past the timeout; both become JoinTimeout dead letters. A redelivered item counts once. The
// results of the last `recentResults` videos are remembered, so an item that arrives again after
// its video completed (an upstream stage redelivered it) gets that result back instead of opening
// a gather that could only time out. Pure: no clock, no I/O.
import type { StageMessage } from '../transport/transport.ts';

interface PendingGather {
  first: StageMessage;
  count: number;
  items: Map<number, StageMessage>;
  firstAtMs: number;
}

/** A video that left the state incomplete: its first item message and how many items had arrived. */
export interface Unfinished {
  first: StageMessage;
  arrived: number;
}

export interface GatherAdded {
  /** The video's items in index order, when this arrival completed it. */
  complete?: { first: StageMessage; items: StageMessage[] };
  /** The result already produced for this video (the message was a late duplicate). */
  repeat?: StageMessage;
  /** Videos pushed out because the state was full. */
  evicted: Unfinished[];
  /** The message announced another item count than the video's first one: not counted. */
  conflict?: { expected: number };
}

/** The same video across redeliveries: the same source and ingest time. */
function identity(m: StageMessage): string {
  return `${m.source}\u0000${m.ingestedAtMs}`;
}

export class GatherBuffer {
  private readonly pending = new Map<string, PendingGather>();
  private readonly recent = new Map<string, { identity: string; result: StageMessage }>();
  private readonly maxPending: number;
  private readonly recentResults: number;

  constructor(maxPending: number, recentResults = maxPending) {
    this.maxPending = maxPending;
    this.recentResults = recentResults;
  }

  get size(): number {
    return this.pending.size;
  }

  add(message: StageMessage, nowMs: number): GatherAdded {
    const done = this.recent.get(message.videoId);
    if (done && done.identity === identity(message)) return { repeat: done.result, evicted: [] };

    const count = message.itemCount ?? 0;
    const entry = this.pending.get(message.videoId);
    if (entry && entry.count !== count) return { evicted: [], conflict: { expected: entry.count } };
    const evicted: Unfinished[] = [];
    const gather = entry ?? { first: message, count, items: new Map(), firstAtMs: nowMs };
    if (message.item !== undefined) gather.items.set(message.item, message);
    if (gather.items.size >= gather.count) {
      this.pending.delete(message.videoId);
      const items = [...gather.items.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m);
      return { complete: { first: gather.first, items }, evicted };
    }
    if (!entry) {
      while (this.pending.size >= this.maxPending) {
        const [oldestId, oldest] = this.pending.entries().next().value as [string, PendingGather];
        this.pending.delete(oldestId);
        evicted.push({ first: oldest.first, arrived: oldest.items.size });
      }
      this.pending.set(message.videoId, gather);
    }
    return { evicted };
  }

  /** Remembers a video's result (bounded), for items of it that arrive again. */
  completed(result: StageMessage): void {
    this.recent.delete(result.videoId);
    this.recent.set(result.videoId, { identity: identity(result), result });
    while (this.recent.size > this.recentResults)
      this.recent.delete(this.recent.keys().next().value as string);
  }

  /** Removes and returns the videos whose first item arrived more than `timeoutMs` ago. */
  expire(nowMs: number, timeoutMs: number): Unfinished[] {
    const expired: Unfinished[] = [];
    for (const [videoId, entry] of this.pending) {
      if (nowMs - entry.firstAtMs <= timeoutMs) break;
      this.pending.delete(videoId);
      expired.push({ first: entry.first, arrived: entry.items.size });
    }
    return expired;
  }
}

/** What an unfinished video still lacked, for its dead letter. */
export function missingText(u: Unfinished): string {
  const count = u.first.itemCount ?? 0;
  return `${count - u.arrived} of ${count} items`;
}
