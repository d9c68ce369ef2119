// Collects what a run produced: each video settles once, as `ok` when its result reaches the
// output topic or `dead` at its first dead letter (later letters for it, e.g. a join timing out
// after a branch failed, are counted but do not change its row). Rows are handed on as they
// settle, so memory holds only the videos in flight plus one latency number per video.
import type { DeadLetter, StageMessage } from '../transport/transport.ts';

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
  readonly latenciesMs: number[] = [];
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
    this.latenciesMs.push(latencyMs);
    if (row.status === 'ok') this.ok++;
    else this.dead++;
    this.onRow({ videoId, source: entry.source, latencyMs, ...row });
    this.wake();
  }
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
