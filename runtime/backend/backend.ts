// A backend hosts one or more sessions on one device. Each session has a bounded,
// deadline-ordered queue; one device loop visits the sessions round-robin and runs, for the
// first that is ready, the batch the pure policy (chooseBatch) asks for. Preprocessing starts
// when an item is accepted (worker threads), so it overlaps the batch that is running.
import { chooseBatch } from '../batching/choose-batch.ts';
import { predictLatencyMs } from '../batching/latency-fit.ts';
import type { Clock } from '../clock.ts';
import { StageError } from '../inference/errors.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import type { ResizeMode } from '../preprocess/crop-to-tensor.ts';
import { stagesToTensor } from '../preprocess/frames-to-tensor.ts';
import type { FrameInputSpec, Frames } from '../preprocess/input-spec.ts';
import type { StageOutput } from './decode-output.ts';
import { type BackendItem, HostedSession, type QueueEntry, type SessionConfig } from './hosted-session.ts';
import { type BatchObserver, runBatch } from './run-batch.ts';
import { QueueFullError } from './session-queue.ts';

export interface BackendDeps {
  clock: Clock;
  /** Frames (or an item's region, with `resize`) → one item's tensor; a worker pool's run() in production. */
  preprocess(frames: Frames, spec: FrameInputSpec, resize?: ResizeMode): Promise<Float32Array>;
  metrics?: RuntimeMetrics;
}

export interface Backend {
  /** Queues an item; resolves with its output or rejects with a StageError (QueueFullError when full). */
  submit(stage: string, item: BackendItem): Promise<StageOutput>;
  canAccept(stage: string): boolean;
  whenAccepting(stage: string): Promise<void>;
  queueDepth(stage: string): number;
  /** Starts the device loop; resolves when stop() has been called and the running batch ended. */
  start(): Promise<void>;
  stop(): void;
}

export function createBackend(configs: readonly SessionConfig[], deps: BackendDeps): Backend {
  const { clock, metrics } = deps;
  const sessions = configs.map((c) => new HostedSession(c));
  const byStage = new Map(sessions.map((s) => [s.config.stage, s]));
  let running = false;
  let next = 0;
  let wake = new AbortController();

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
    },
    done(stage, entry, startMs, finishMs) {
      const l = labelsOf(stage);
      metrics?.queueDelaySeconds.observe(l, Math.max(0, startMs - entry.enqueuedAtMs) / 1000);
      metrics?.processedTotal.inc(l);
      if (finishMs > entry.deadlineMs) metrics?.deadlineMissesTotal.inc(l);
    },
  };

  function tensorFor(session: HostedSession, item: BackendItem): Promise<Float32Array> {
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
    return item.resize ? deps.preprocess(item.frames, spec, item.resize) : deps.preprocess(item.frames, spec);
  }

  function submit(stage: string, item: BackendItem): Promise<StageOutput> {
    const session = sessionOf(stage);
    if (!session.queue.canAccept()) return Promise.reject(new QueueFullError(stage, session.queue.capacity));
    return new Promise<StageOutput>((resolve, reject) => {
      const entry: QueueEntry = {
        item,
        deadlineMs: item.deadlineMs,
        enqueuedAtMs: clock.nowMs(),
        tensor: tensorFor(session, item),
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
      wake.abort();
    });
  }

  /** Visits sessions round-robin; runs one batch or expires late items. Returns ms to wait. */
  async function step(): Promise<number | undefined> {
    let waitMs: number | undefined;
    for (let k = 0; k < sessions.length; k++) {
      const index = (next + k) % sessions.length;
      const session = sessions[index]!;
      const fit = session.latencyFit();
      const c = session.config;
      const decision = chooseBatch({
        queue: session.queue.items,
        nowMs: clock.nowMs(),
        plannedBatch: c.plannedBatch,
        latencyFit: fit,
        maxQueueDelayMs: c.maxQueueDelayMs ?? predictLatencyMs(fit, c.plannedBatch),
        latePolicy: c.latePolicy ?? 'process',
      });
      if (decision.action === 'expire') {
        for (const entry of session.queue.take(decision.count)) {
          metrics?.deadlineMissesTotal.inc(labels(session));
          entry.reject(
            new StageError('DeadlineExceeded', `item ${entry.item.id} can no longer meet its deadline`),
          );
        }
        depth(session);
        return 0;
      }
      if (decision.action === 'run') {
        const entries = session.queue.take(decision.count);
        depth(session);
        next = index + 1;
        await runBatch(session, entries, clock, observer);
        return 0;
      }
      if (decision.action === 'wait') waitMs = Math.min(waitMs ?? decision.waitMs, decision.waitMs);
    }
    return waitMs;
  }

  return {
    submit,
    canAccept: (stage) => sessionOf(stage).queue.canAccept(),
    whenAccepting: (stage) => sessionOf(stage).queue.whenAccepting(),
    queueDepth: (stage) => sessionOf(stage).queue.length,
    async start() {
      if (running) throw new Error('backend already started');
      running = true;
      while (running) {
        const waitMs = await step();
        if (waitMs === 0 || !running) continue;
        const signal = wake.signal;
        if (!signal.aborted) {
          // Sleep until the policy's next decision time, or until an item arrives.
          await (waitMs === undefined
            ? new Promise<void>((resolve) =>
                signal.addEventListener('abort', () => resolve(), { once: true }),
              )
            : clock.sleep(waitMs, signal));
        }
        if (wake.signal.aborted) wake = new AbortController();
      }
    },
    stop() {
      running = false;
      wake.abort();
    },
  };
}
