// Group commit for produce requests. The producer is idempotent with one request in flight, so
// concurrent sends (every consumer and partition of a backend publishing its own small chunk)
// used to queue one request each: at batch 1, three produce requests and a commit per video per
// stage, which cost the broker and kafkajs more CPU than the pipeline's own work. Here a send
// joins the request being gathered: the first send of an idle producer goes out at the next turn
// of the event loop with whatever else was sent in that turn; sends made while a request is in
// flight go out together when it returns. So a light load keeps its latency and a heavy one makes
// its requests larger instead of more numerous.
// A combined request that fails is not a verdict on every send in it: each is sent again on its
// own, so one record the broker refuses for good (too large, a bad topic) fails only its own send
// and the caller narrows it down as before; a retriable failure (the broker away) comes back to
// each the same way.

export interface TopicRecords<R> {
  topic: string;
  messages: R[];
}

export interface ProduceBatcherOptions<R> {
  /** One produce request carrying these topics' records. */
  sendBatch(batch: TopicRecords<R>[]): Promise<void>;
  /** Most records in one combined request (a send larger than this goes alone). */
  maxRecords: number;
  /** Most bytes of record values in one combined request. */
  maxBytes: number;
  sizeOf(record: R): number;
}

interface Pending<R> {
  send: TopicRecords<R>;
  records: number;
  bytes: number;
  resolve(): void;
  reject(error: unknown): void;
}

export class ProduceBatcher<R> {
  private readonly options: ProduceBatcherOptions<R>;
  private pending: Pending<R>[] = [];
  private busy = false;
  /** Combined requests sent, and sends they carried (for tests and metrics). */
  requests = 0;
  sends = 0;

  constructor(options: ProduceBatcherOptions<R>) {
    this.options = options;
  }

  send(topic: string, messages: R[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const bytes = messages.reduce((n, m) => n + this.options.sizeOf(m), 0);
      this.pending.push({ send: { topic, messages }, records: messages.length, bytes, resolve, reject });
      if (!this.busy) {
        this.busy = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Sends gathered requests until none is waiting. */
  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) await this.flush(this.take());
    } finally {
      this.busy = false;
      // A send that arrived during the last await of the loop above started no drain of its own.
      if (this.pending.length > 0) {
        this.busy = true;
        setImmediate(() => void this.drain());
      }
    }
  }

  /** The next request's sends: in arrival order, within the record and byte bounds (at least one). */
  private take(): Pending<R>[] {
    const { maxRecords, maxBytes } = this.options;
    let records = 0;
    let bytes = 0;
    let n = 0;
    while (n < this.pending.length) {
      const p = this.pending[n]!;
      if (n > 0 && (records + p.records > maxRecords || bytes + p.bytes > maxBytes)) break;
      records += p.records;
      bytes += p.bytes;
      n++;
    }
    return this.pending.splice(0, n);
  }

  private async flush(group: Pending<R>[]): Promise<void> {
    this.requests++;
    this.sends += group.length;
    try {
      await this.options.sendBatch(merge(group.map((p) => p.send)));
      for (const p of group) p.resolve();
      return;
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
    }
    // Each send on its own: its own outcome, whatever the others carried.
    for (const p of group) {
      this.requests++;
      try {
        await this.options.sendBatch([p.send]);
        p.resolve();
      } catch (error) {
        p.reject(error);
      }
    }
  }
}

/** Sends to the same topic become one entry, records in send order. */
function merge<R>(sends: TopicRecords<R>[]): TopicRecords<R>[] {
  const byTopic = new Map<string, R[]>();
  for (const s of sends) {
    const list = byTopic.get(s.topic);
    if (list) list.push(...s.messages);
    else byTopic.set(s.topic, [...s.messages]);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
