// What the simulation keeps per video, per hosted session and per pod (simulate/engine.ts runs
// it; results.ts reads it). Plain data; the video table is flat typed arrays, since a 10-minute run
// at cluster scale has millions of videos.
import type { BatchDecision } from '../runtime/batching/choose-batch.ts';
import type { CycleState } from '../runtime/batching/duty-cycle.ts';
import type { LatencyFit, LatencySample } from '../runtime/batching/latency-fit.ts';
import type { SimSession } from './model.ts';

export interface Item {
  video: number;
  deadlineMs: number;
  enqueuedAtMs: number;
}

export interface SessionState {
  spec: SimSession;
  queue: Item[];
  backlog: Item[];
  backlogHead: number;
  samples: LatencySample[];
  fit: LatencyFit;
  /** Items delivered during the measured window. */
  arrivals: number;
  batches: number;
  items: number;
  capacity: number;
  deadlineMisses: number;
}

export interface PodState {
  busy: boolean;
  busyMs: number;
  cycle: CycleState;
  wakeToken: number;
  /** When the pending wake fires (Infinity: none); a later one is not scheduled on top. */
  wakeAtMs: number;
  /** What each session's batcher wants, rebuilt at every decision (reused, not reallocated). */
  views: { decision: BatchDecision; queued: number }[];
  sessions: SessionState[];
}

/** Video states in Videos.state. */
export const VideoState = { Active: 0, Done: 1, Failed: 2 } as const;

/** Per-video bookkeeping in flat arrays (a 10-minute run at cluster scale has millions). */
export class Videos {
  count = 0;
  pipeline = new Int32Array(1024);
  ingestedAtMs = new Float64Array(1024);
  doneAtMs = new Float64Array(1024);
  open = new Int32Array(1024);
  partition = new Int32Array(1024);
  state = new Uint8Array(1024);

  add(pipeline: number, atMs: number, partition: number): number {
    if (this.count === this.pipeline.length) this.#grow();
    const v = this.count++;
    this.pipeline[v] = pipeline;
    this.ingestedAtMs[v] = atMs;
    this.partition[v] = partition;
    return v;
  }

  #grow(): void {
    const n = this.pipeline.length * 2;
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.pipeline = grow(this.pipeline, (k) => new Int32Array(k));
    this.ingestedAtMs = grow(this.ingestedAtMs, (k) => new Float64Array(k));
    this.doneAtMs = grow(this.doneAtMs, (k) => new Float64Array(k));
    this.open = grow(this.open, (k) => new Int32Array(k));
    this.partition = grow(this.partition, (k) => new Int32Array(k));
    this.state = grow(this.state, (k) => new Uint8Array(k));
  }
}
