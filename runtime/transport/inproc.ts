// In-process transport: runs a whole pipeline in one process (`vpo run`). Every topic (and the
// dead-letter channel) is a bounded queue per consumer group: `publish` waits for space, which is
// the backpressure that reaches the source. A message counts against the bound from publish until
// its handler resolves (the ack), so in-flight batches are bounded too. Subscribers in one group
// share the group's queue (competing consumers, like Kafka partitions); each group sees every
// message. Messages published before any group subscribed wait for the first group.
import type { DeadLetter, Handler, StageMessage, Subscription, Transport } from './transport.ts';

export interface InProcOptions {
  /** Messages a topic may hold per group, queued plus in flight. */
  capacityPerTopic: number;
  /** Deliveries of a message whose handler keeps rejecting, before it becomes a dead letter. */
  maxDeliveries?: number;
  logger?: { error(message: string): void };
}

interface Pending<T> {
  item: T;
  deliveries: number;
}

/** A bounded queue: `size` counts queued and in-flight items; waiters wake on every change. */
class BoundedQueue<T> {
  readonly items: Pending<T>[] = [];
  inFlight = 0;
  private waiters: Array<() => void> = [];
  closed = false;
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.items.length + this.inFlight;
  }

  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  async put(item: T): Promise<void> {
    while (this.size >= this.capacity && !this.closed) await this.changed();
    if (this.closed) throw new Error('transport closed');
    this.items.push({ item, deliveries: 0 });
    this.notify();
  }
}

type BatchHandler<T> = (items: T[]) => Promise<void | (() => Promise<void>)>;

/** One consumer's delivery loop over a group's queue. */
class Consumer<T> implements Subscription {
  private paused = false;
  private closed = false;
  private readonly done: Promise<void>;
  private readonly queue: BoundedQueue<T>;
  private readonly handler: BatchHandler<T>;
  private readonly maxBatch: number;
  private readonly onPoison: (items: T[], error: unknown) => Promise<void>;
  /** Reports poison messages whose dead letters could not be published (they are lost). */
  private readonly onLost: (count: number, error: unknown) => void;
  private readonly maxDeliveries: number;

  constructor(
    queue: BoundedQueue<T>,
    handler: BatchHandler<T>,
    maxBatch: number,
    onPoison: (items: T[], error: unknown) => Promise<void>,
    onLost: (count: number, error: unknown) => void,
    maxDeliveries: number,
  ) {
    this.queue = queue;
    this.handler = handler;
    this.maxBatch = maxBatch;
    this.onPoison = onPoison;
    this.onLost = onLost;
    this.maxDeliveries = maxDeliveries;
    this.done = this.pump();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.queue.notify();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.notify();
    await this.done;
  }

  private async pump(): Promise<void> {
    for (;;) {
      while (!this.closed && (this.paused || this.queue.items.length === 0)) await this.queue.changed();
      if (this.closed) return;
      const batch = this.queue.items.splice(0, this.maxBatch);
      this.queue.inFlight += batch.length;
      for (const p of batch) p.deliveries++;
      try {
        // Nothing to commit in process: what waits for the commit runs at once.
        const afterCommit = await this.handler(batch.map((p) => p.item));
        if (afterCommit) await afterCommit();
      } catch (error) {
        // Redeliver (at-least-once) until a message has failed maxDeliveries times; then it is
        // a poison message and goes to the dead letters instead of blocking the topic forever.
        const poison = batch.filter((p) => p.deliveries >= this.maxDeliveries);
        const retry = batch.filter((p) => p.deliveries < this.maxDeliveries);
        this.queue.items.unshift(...retry);
        if (poison.length > 0)
          await this.onPoison(
            poison.map((p) => p.item),
            error,
          ).catch((failure: unknown) => this.onLost(poison.length, failure));
      } finally {
        this.queue.inFlight -= batch.length;
        this.queue.notify();
      }
    }
  }
}

class Channel<T> {
  /** Queue of messages published before the first group subscribed. */
  private unassigned: BoundedQueue<T> | undefined;
  readonly groups = new Map<string, BoundedQueue<T>>();
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.unassigned = new BoundedQueue<T>(capacity);
  }

  group(name: string): BoundedQueue<T> {
    let queue = this.groups.get(name);
    if (!queue) {
      queue = this.unassigned ?? new BoundedQueue<T>(this.capacity);
      this.unassigned = undefined;
      this.groups.set(name, queue);
    }
    return queue;
  }

  async publish(items: T[]): Promise<void> {
    const queues = this.unassigned ? [this.unassigned] : [...this.groups.values()];
    for (const item of items) for (const queue of queues) await queue.put(item);
  }

  close(): void {
    for (const queue of [...this.groups.values(), ...(this.unassigned ? [this.unassigned] : [])]) {
      queue.closed = true;
      queue.notify();
    }
  }

  /** Messages waiting or in flight, summed over groups. */
  depth(): number {
    let total = this.unassigned?.size ?? 0;
    for (const queue of this.groups.values()) total += queue.size;
    return total;
  }
}

export const DEAD_LETTER_GROUP = 'dead-letters';

export class InProcTransport implements Transport {
  private readonly topics = new Map<string, Channel<StageMessage>>();
  private readonly deadLetters: Channel<DeadLetter>;
  private readonly consumers: Consumer<unknown>[] = [];
  private readonly maxDeliveries: number;
  private readonly options: InProcOptions;
  private closed = false;

  constructor(options: InProcOptions) {
    this.options = options;
    if (!(options.capacityPerTopic >= 1)) throw new Error('capacityPerTopic must be at least 1');
    this.deadLetters = new Channel<DeadLetter>(options.capacityPerTopic);
    this.maxDeliveries = options.maxDeliveries ?? 3;
  }

  private topic(name: string): Channel<StageMessage> {
    let channel = this.topics.get(name);
    if (!channel) {
      channel = new Channel<StageMessage>(this.options.capacityPerTopic);
      this.topics.set(name, channel);
    }
    return channel;
  }

  publish(topic: string, messages: StageMessage[]): Promise<void> {
    return this.topic(topic).publish(messages);
  }

  publishDeadLetters(letters: DeadLetter[]): Promise<void> {
    return this.deadLetters.publish(letters);
  }

  async subscribe(
    topic: string,
    group: string,
    handler: Handler,
    options?: { maxBatch?: number },
  ): Promise<Subscription> {
    const poison = (messages: StageMessage[], error: unknown) => {
      const text = error instanceof Error ? error.message : String(error);
      this.options.logger?.error(`topic ${topic}: ${messages.length} message(s) failed: ${text}`);
      return this.publishDeadLetters(
        messages.map((m) => ({
          videoId: typeof m?.videoId === 'string' ? m.videoId : '',
          source: typeof m?.source === 'string' ? m.source : '',
          stage: group,
          reason: 'InvalidMessage',
          attempts: this.maxDeliveries,
          error: `handler failed ${this.maxDeliveries} times: ${text}`,
          original: m,
        })),
      );
    };
    return this.consume(this.topic(topic).group(group), handler, options?.maxBatch ?? 1, poison);
  }

  /** Dead letters are delivered like a topic's messages, in batches, acknowledged after `handler`. */
  subscribeDeadLetters(handler: (letters: DeadLetter[]) => Promise<void>, maxBatch = 64): Subscription {
    const lost = async (letters: DeadLetter[], error: unknown) => {
      const text = error instanceof Error ? error.message : String(error);
      this.options.logger?.error(`dead-letter handler failed, ${letters.length} letter(s): ${text}`);
    };
    return this.consume(this.deadLetters.group(DEAD_LETTER_GROUP), handler, maxBatch, lost);
  }

  private consume<T>(
    queue: BoundedQueue<T>,
    handler: BatchHandler<T>,
    maxBatch: number,
    onPoison: (items: T[], error: unknown) => Promise<void>,
  ): Subscription {
    if (!(maxBatch >= 1)) throw new Error('maxBatch must be at least 1');
    const lost = (count: number, error: unknown) => {
      const text = error instanceof Error ? error.message : String(error);
      this.options.logger?.error(`${count} failed message(s) lost: their dead letters failed: ${text}`);
    };
    const consumer = new Consumer<T>(queue, handler, maxBatch, onPoison, lost, this.maxDeliveries);
    this.consumers.push(consumer as Consumer<unknown>);
    return consumer;
  }

  /** Messages waiting or in flight on a topic (for metrics and tests). */
  depth(topic: string): number {
    return this.topics.get(topic)?.depth() ?? 0;
  }

  connected(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const channel of this.topics.values()) channel.close();
    this.deadLetters.close();
    await Promise.all(this.consumers.map((c) => c.close()));
  }
}
