// A work queue keyed by object, as controller-runtime's: adding a key that is already waiting
// does nothing (dedupe); a key being processed is never handed out twice (one in flight per
// key) and is re-queued after when it was added meanwhile; failures back off per key
// (exponential, capped) and a success forgets the key's failures. Timers come from the clock.
import type { Clock } from '../clock.ts';

export interface QueueOptions {
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export interface WorkQueue {
  add(key: string): void;
  addAfter(key: string, delayMs: number): void;
  /** Records a failure: the key comes back after its backoff. */
  fail(key: string): void;
  /** Forgets the key's failures. */
  forget(key: string): void;
  /** The next key, waiting until one is ready; undefined once shut down. */
  next(): Promise<string | undefined>;
  done(key: string): void;
  depth(): number;
  inFlight(): number;
  shutDown(): void;
}

export function createWorkQueue(clock: Clock, options: QueueOptions): WorkQueue {
  const ready: string[] = [];
  const queued = new Set<string>();
  const processing = new Set<string>();
  const dirty = new Set<string>();
  const failures = new Map<string, number>();
  const timers = new Map<string, { atMs: number; cancel: () => void }>();
  const waiters: Array<(key: string | undefined) => void> = [];
  let closed = false;

  const add = (key: string) => {
    if (closed) return;
    if (processing.has(key)) {
      dirty.add(key);
      return;
    }
    if (queued.has(key)) return;
    const waiter = waiters.shift();
    if (waiter) {
      processing.add(key);
      waiter(key);
      return;
    }
    queued.add(key);
    ready.push(key);
  };

  const addAfter = (key: string, delayMs: number) => {
    if (closed) return;
    if (delayMs <= 0) return add(key);
    const atMs = clock.nowMs() + delayMs;
    const existing = timers.get(key);
    if (existing && existing.atMs <= atMs) return; // an earlier wake-up already covers it
    existing?.cancel();
    const cancel = clock.setTimer(delayMs, () => {
      timers.delete(key);
      add(key);
    });
    timers.set(key, { atMs, cancel });
  };

  return {
    add,
    addAfter,
    fail(key) {
      const n = (failures.get(key) ?? 0) + 1;
      failures.set(key, n);
      addAfter(key, Math.min(options.maxBackoffMs, options.baseBackoffMs * 2 ** (n - 1)));
    },
    forget: (key) => failures.delete(key),
    next() {
      if (closed) return Promise.resolve(undefined);
      const key = ready.shift();
      if (key !== undefined) {
        queued.delete(key);
        processing.add(key);
        return Promise.resolve(key);
      }
      return new Promise((resolve) => waiters.push(resolve));
    },
    done(key) {
      processing.delete(key);
      if (dirty.delete(key)) add(key);
    },
    depth: () => ready.length,
    inFlight: () => processing.size,
    shutDown() {
      closed = true;
      for (const t of timers.values()) t.cancel();
      timers.clear();
      for (const w of waiters.splice(0)) w(undefined);
    },
  };
}
