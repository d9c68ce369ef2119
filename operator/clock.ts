// The operator's one clock (the controller, leases, load epochs and events read it), injected so
// tests drive time by hand.
export interface Clock {
  nowMs(): number;
  /** Calls fn after delayMs; returns a cancel function. */
  setTimer(delayMs: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, delayMs);
    t.unref?.();
    return () => clearTimeout(t);
  },
};

/** A clock that moves only when advance() is called. */
export function fakeClock(startMs = 0): Clock & { advance(ms: number): void } {
  let now = startMs;
  let timers: Array<{ atMs: number; fn: () => void; id: number }> = [];
  let nextId = 0;
  return {
    nowMs: () => now,
    setTimer(delayMs, fn) {
      const id = nextId++;
      timers.push({ atMs: now + delayMs, fn, id });
      return () => {
        timers = timers.filter((t) => t.id !== id);
      };
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.atMs <= now).sort((a, b) => a.atMs - b.atMs);
      timers = timers.filter((t) => t.atMs > now);
      for (const t of due) t.fn();
    },
  };
}
