// A binary min-heap of timed events: ordered by time, then by insertion (so equal times come out
// in the order they were pushed, and a simulation replays exactly from its seed). The simulator's
// event queue (simulate/engine.ts) and the planner's throughput sweep (throughput-sweep.ts, where
// the time is a budget). Parallel arrays instead of a wrapper object per entry: a cluster-scale
// simulation pushes millions. Pure.
export interface Timed {
  atMs: number;
}

export class EventHeap<T extends Timed> {
  #events: T[] = [];
  #times: number[] = [];
  #seqs: number[] = [];
  #seq = 0;

  get size(): number {
    return this.#events.length;
  }

  /** The earliest event, left in the heap. */
  peek(): T | undefined {
    return this.#events[0];
  }

  push(event: T): void {
    const events = this.#events;
    const times = this.#times;
    const seqs = this.#seqs;
    const t = event.atMs;
    const q = this.#seq++;
    let i = events.length;
    events.push(event);
    times.push(t);
    seqs.push(q);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      if (pt < t || (pt === t && seqs[parent]! < q)) break;
      events[i] = events[parent]!;
      times[i] = pt;
      seqs[i] = seqs[parent]!;
      i = parent;
    }
    events[i] = event;
    times[i] = t;
    seqs[i] = q;
  }

  pop(): T | undefined {
    const events = this.#events;
    const times = this.#times;
    const seqs = this.#seqs;
    const n = events.length;
    if (n === 0) return undefined;
    const top = events[0]!;
    const last = events.pop()!;
    const lt = times.pop()!;
    const lq = seqs.pop()!;
    const size = n - 1;
    if (size === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      const r = l + 1;
      let m = l;
      if (r < size && (times[r]! < times[l]! || (times[r] === times[l] && seqs[r]! < seqs[l]!))) m = r;
      if (lt < times[m]! || (lt === times[m] && lq < seqs[m]!)) break;
      events[i] = events[m]!;
      times[i] = times[m]!;
      seqs[i] = seqs[m]!;
      i = m;
    }
    events[i] = last;
    times[i] = lt;
    seqs[i] = lq;
    return top;
  }
}
