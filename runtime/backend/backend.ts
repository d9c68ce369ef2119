// A backend hosts one or more sessions on one device. Each session has a bounded,
// deadline-ordered queue; one device loop asks each session's batcher (chooseBatch, capped at the
// session's planned batch) what it wants and the duty-cycle scheduler (nextTurn) whose turn it
// is, and runs that batch. Preprocessing starts when an item is accepted (worker threads), so it
// overlaps the batch that is running. A re-plan retunes batch caps and the duty cycle live.
import { type BatchDecision, chooseBatch, DEFAULT_MAX_QUEUE_DELAY_MS } from '../batching/choose-batch.ts';
import { type CycleState, initialCycle, nextTurn } from '../batching/duty-cycle.ts';
import type { Clock } from '../clock.ts';
import { StageError } from '../inference/errors.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import type { ResizeMode } from '../preprocess/crop-to-tensor.ts';
import { stagesToTensor } from '../preprocess/frames-to-tensor.ts';
import type { FrameInputSpec, Frames } from '../preprocess/input-spec.ts';
import type { PreprocessTarget } from '../preprocess/worker-pool.ts';
import type { StageOutput } from './decode-output.ts';
import {
  type BackendItem,
  HostedSession,
  type QueueEntry,
  type SessionConfig,
  type SessionSettings,
} from './hosted-session.ts';
import { type BatchObserver, runBatch } from './run-batch.ts';
import { QueueFullError } from './session-queue.ts';

export interface BackendDeps {
  clock: Clock;
  /**
   * Frames (or an item's region, with `resize`) → one item's tensor; a worker pool's run() in
   * production. With a target (a slot of the session's shared slab) the tensor is written there
   * and returned as a view of it.
   */
  preprocess(
    frames: Frames,
    spec: FrameInputSpec,
    target?: PreprocessTarget,
    resize?: ResizeMode,
  ): Promise<Float32Array>;
  metrics?: RuntimeMetrics;
  /** The planned duty cycle, ms (0 or absent: plain round robin, e.g. a backend with no plan). */
  dutyCycleMs?: number;
  /** Backend group name, for the per-backend metrics. */
  name?: string;
}

export interface BackendSettings {
  dutyCycleMs: number;
  /** By stage; stages left out keep their settings. */
  sessions: Record<string, SessionSettings>;
}

export interface Backend {
  /** Queues an item; resolves with its output or rejects with a StageError (QueueFullError when full). */
  submit(stage: string, item: BackendItem): Promise<StageOutput>;
  canAccept(stage: string): boolean;
  whenAccepting(stage: string): Promise<void>;
  queueDepth(stage: string): number;
  /** Takes a re-plan's duty cycle and batch caps; the next decision uses them. */
  retune(settings: BackendSettings): void;
  /** Starts the device loop; resolves when stop() has been called and the running batch ended. */
  start(): Promise<void>;
  stop(): void;
}

export function createBackend(configs: readonly SessionConfig[], deps: BackendDeps): Backend {
  const { clock, metrics } = deps;
  const sessions = configs.map((c) => new HostedSession(c));
  const byStage = new Map(sessions.map((s) => [s.config.stage, s]));
  const backendName = deps.name ?? 'local';
  let running = false;
  let dutyCycleMs = deps.dutyCycleMs ?? 0;
  let cycle: CycleState = initialCycle(sessions.length, clock.nowMs());
  let wake = new AbortController();
  // Arrivals only interrupt a loop that sleeps (aborting allocates); one that is deciding sees
  // `poked` and decides again instead of sleeping.
  let sleeping = false;
  let poked = false;
  const poke = () => {
    poked = true;
    if (sleeping) wake.abort();
  };

  const sessionOf = (stage: string) => {
    const s = byStage.get(stage);
    if (!s) throw new Error(`backend hosts no stage '${stage}' (hosts: ${[...byStage.keys()].join(', ')})`);
    return s;
  };
  // Metrics carry the pipeline and the stage's own name (a shared group keys by pipeline/stage).
  const labels = (s: HostedSession) => s.config.labels ?? { stage: s.config.stage };
  const labelsOf = (stage: string) => labels(sessionOf(stage));
  const depth = (s: HostedSession) => metrics?.queueDepth.set(labels(s), s.queue.length);

  const observer: BatchObserver = {
    batch(stage, size, latencyMs) {
      metrics?.batchSize.observe(labelsOf(stage), size);
      metrics?.inferenceSeconds.observe(labelsOf(stage), latencyMs / 1000);
      metrics?.batchCapacityTotal.inc(labelsOf(stage), byStage.get(stage)?.config.plannedBatch ?? size);
      metrics?.backendBusySeconds.inc({ backend: backendName }, latencyMs / 1000);
    },
    done(stage, entry, startMs, finishMs) {
      const l = labelsOf(stage);
      metrics?.queueDelaySeconds.observe(l, Math.max(0, startMs - entry.enqueuedAtMs) / 1000);
      metrics?.processedTotal.inc(l);
      if (finishMs > entry.deadlineMs) metrics?.deadlineMissesTotal.inc(l);
    },
  };

  /** The item's tensor, and the slab slot it was written into (released when both settle). */
  function tensorFor(
    session: HostedSession,
    item: BackendItem,
  ): { tensor: Promise<Float32Array>; slot?: number } {
    const spec = session.config.input;
    if (spec.source === 'frames' && item.frames) {
      const slot = session.slab?.acquire();
      const target = slot === undefined ? undefined : session.slab!.target(slot);
      return {
        tensor: deps.preprocess(item.frames, spec, target, item.resize),
        ...(slot === undefined ? {} : { slot }),
      };
    }
    return { tensor: plainTensor(session, item) };
  }

  function plainTensor(session: HostedSession, item: BackendItem): Promise<Float32Array> {
    const spec = session.config.input;
    if (spec.source === 'stages') {
      if (!item.scores)
        return Promise.reject(new StageError('InputMismatch', `item ${item.id} has no upstream scores`));
      try {
        return Promise.resolve(stagesToTensor(item.scores, spec.total));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    if (!item.frames) return Promise.reject(new StageError('InputMismatch', `item ${item.id} has no frames`));
    return deps.preprocess(item.frames, spec, undefined, item.resize);
  }

  function submit(stage: string, item: BackendItem): Promise<StageOutput> {
    const session = sessionOf(stage);
    if (!session.queue.canAccept()) return Promise.reject(new QueueFullError(stage, session.queue.capacity));
    return new Promise<StageOutput>((resolveOut, rejectOut) => {
      const { tensor, slot } = tensorFor(session, item);
      // The slot goes back once the item is settled and nothing writes to it any more.
      const release = () => {
        if (slot !== undefined)
          void tensor.then(
            () => session.slab?.release(slot),
            () => session.slab?.release(slot),
          );
      };
      const resolve = (output: StageOutput) => {
        release();
        resolveOut(output);
      };
      const reject = (err: Error) => {
        release();
        rejectOut(err);
      };
      const entry: QueueEntry = {
        item,
        deadlineMs: item.deadlineMs,
        enqueuedAtMs: clock.nowMs(),
        tensor,
        resolve,
        reject,
      };
      session.queue.offer(entry);
      // Bad input fails at once and leaves the queue; a batch that already took it skips it.
      entry.tensor.catch((err: Error) => {
        if (session.queue.remove(entry)) {
          depth(session);
          reject(err);
        }
      });
      depth(session);
      poke();
    });
  }

  function decide(session: HostedSession, nowMs: number): BatchDecision {
    const fit = session.latencyFit();
    const c = session.config;
    return chooseBatch({
      queue: session.queue.items,
      nowMs,
      plannedBatch: c.plannedBatch,
      latencyFit: fit,
      maxQueueDelayMs: c.maxQueueDelayMs ?? DEFAULT_MAX_QUEUE_DELAY_MS,
      latePolicy: c.latePolicy ?? 'process',
    });
  }

  /** Runs one batch or expires late items (returns 0), or says how long to wait. */
  async function step(): Promise<number | undefined> {
    const nowMs = clock.nowMs();
    const views = sessions.map((s) => ({ decision: decide(s, nowMs), queued: s.queue.length }));
    const chosen = nextTurn(cycle, views, nowMs, dutyCycleMs);
    cycle = chosen.cycle;
    const turn = chosen.turn;
    if (turn.action === 'wait') return turn.waitMs;
    const session = sessions[turn.session]!;
    const entries = session.queue.take(turn.count);
    depth(session);
    if (turn.action === 'expire') {
      for (const entry of entries) {
        metrics?.deadlineMissesTotal.inc(labels(session));
        entry.reject(
          new StageError('DeadlineExceeded', `item ${entry.item.id} can no longer meet its deadline`),
        );
      }
      return 0;
    }
    await runBatch(session, entries, clock, observer);
    return 0;
  }

  return {
    submit,
    canAccept: (stage) => sessionOf(stage).queue.canAccept(),
    whenAccepting: (stage) => sessionOf(stage).queue.whenAccepting(),
    queueDepth: (stage) => sessionOf(stage).queue.length,
    retune(settings) {
      dutyCycleMs = settings.dutyCycleMs;
      for (const [stage, s] of Object.entries(settings.sessions)) byStage.get(stage)?.retune(s);
      metrics?.dutyCycleSeconds.set({ backend: backendName }, dutyCycleMs / 1000);
      poke();
    },
    async start() {
      if (running) throw new Error('backend already started');
      running = true;
      metrics?.dutyCycleSeconds.set({ backend: backendName }, dutyCycleMs / 1000);
      while (running) {
        poked = false;
        const waitMs = await step();
        if (waitMs === 0 || !running || poked) continue;
        const signal = wake.signal;
        // Sleep until the policy's next decision time, or until an item arrives.
        sleeping = true;
        await (waitMs === undefined
          ? new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
          : clock.sleep(waitMs, signal));
        sleeping = false;
        if (wake.signal.aborted) wake = new AbortController();
      }
    },
    stop() {
      running = false;
      wake.abort();
    },
  };
}
