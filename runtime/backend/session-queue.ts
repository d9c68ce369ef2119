// A bounded queue kept in deadline order (earliest first), with backpressure: callers check
// canAccept() or await whenAccepting() before offering more; offer() refuses when full.

export interface Deadlined {
  deadlineMs: number;
  enqueuedAtMs: number;
}

export class QueueFullError extends Error {
  constructor(stage: string, capacity: number) {
    super(`queue of stage '${stage}' is full (${capacity} waiting): wait for whenAccepting()`);
    this.name = 'QueueFullError';
  }
}

export class SessionQueue<T extends Deadlined> {
  readonly stage: string;
  #capacity: number;
  #items: T[] = [];
  #spaceWaiters: (() => void)[] = [];

  constructor(stage: string, capacity: number) {
    this.stage = stage;
    this.#capacity = Math.max(1, capacity);
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** A re-plan's bound: items beyond a smaller one stay (never dropped); offers wait until below. */
  resize(capacity: number): void {
    this.#capacity = Math.max(1, capacity);
    this.#wake();
  }

  get items(): readonly T[] {
    return this.#items;
  }

  get length(): number {
    return this.#items.length;
  }

  canAccept(): boolean {
    return this.#items.length < this.capacity;
  }

  /** Resolves once there is room for one more item. */
  whenAccepting(): Promise<void> {
    if (this.canAccept()) return Promise.resolve();
    return new Promise((resolve) => this.#spaceWaiters.push(resolve));
  }

  offer(item: T): void {
    if (!this.canAccept()) throw new QueueFullError(this.stage, this.capacity);
    // Insert after every item with a deadline ≤ this one: FIFO among equal deadlines.
    let i = this.#items.length;
    while (i > 0 && this.#items[i - 1]!.deadlineMs > item.deadlineMs) i--;
    this.#items.splice(i, 0, item);
  }

  /** Removes and returns the first `count` items (earliest deadlines). */
  take(count: number): T[] {
    const taken = this.#items.splice(0, count);
    this.#wake();
    return taken;
  }

  remove(item: T): boolean {
    const i = this.#items.indexOf(item);
    if (i < 0) return false;
    this.#items.splice(i, 1);
    this.#wake();
    return true;
  }

  #wake(): void {
    while (this.canAccept() && this.#spaceWaiters.length > 0) this.#spaceWaiters.shift()!();
  }
}
