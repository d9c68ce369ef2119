// Collects what a run produced: each video settles once, as `ok` when its result reaches the
// output topic or `dead` at its first dead letter (later letters for it, e.g. a join timing out
// after a branch failed, are counted but do not change its row). Rows are handed on as they
// settle, so memory holds only the videos in flight and fixed-size summaries (a latency
// histogram, counts per dead-letter reason): it does not grow with the number of videos.
import type { DeadLetter, StageMessage } from '../runtime/transport/transport.ts';
import { LatencyHistogram } from './latency-histogram.ts';

export interface VideoRow {
  videoId: string;
  source: string;
  status: 'ok' | 'dead';
  result: Record<string, unknown>;
  reason?: string;
  /** Dead rows: the stage and error of the first dead letter. */
  stage?: string;
  error?: string;
  latencyMs: number;
}

interface InFlight {
  source: string;
  submittedAtMs: number;
}

export class RunResults {
  readonly latencies = new LatencyHistogram();
  readonly deadLetterReasons = new Map<string, number>();
  ok = 0;
  dead = 0;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly onRow: (row: VideoRow) => void;
  private readonly nowMs: () => number;
  private wake: () => void = () => {};

  constructor(onRow: (row: VideoRow) => void, nowMs: () => number) {
    this.onRow = onRow;
    this.nowMs = nowMs;
  }

  get pending(): number {
    return this.inFlight.size;
  }

  submitted(videoId: string, source: string): void {
    this.inFlight.set(videoId, { source, submittedAtMs: this.nowMs() });
  }

  onResults = async (messages: StageMessage[]): Promise<void> => {
    for (const m of messages) this.settle(m.videoId, { status: 'ok', result: m.outputs });
  };

  onDeadLetters = async (letters: DeadLetter[]): Promise<void> => {
    for (const l of letters) {
      this.deadLetterReasons.set(l.reason, (this.deadLetterReasons.get(l.reason) ?? 0) + 1);
      this.settle(l.videoId, {
        status: 'dead',
        result: {},
        reason: l.reason,
        stage: l.stage,
        error: l.error,
      });
    }
  };

  /** Resolves once every submitted video has settled. */
  async drained(): Promise<void> {
    while (this.inFlight.size > 0) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private settle(videoId: string, row: Omit<VideoRow, 'videoId' | 'source' | 'latencyMs'>): void {
    const entry = this.inFlight.get(videoId);
    if (!entry) return;
    this.inFlight.delete(videoId);
    const latencyMs = this.nowMs() - entry.submittedAtMs;
    this.latencies.record(latencyMs);
    if (row.status === 'ok') this.ok++;
    else this.dead++;
    this.onRow({ videoId, source: entry.source, latencyMs, ...row });
    this.wake();
  }
}
