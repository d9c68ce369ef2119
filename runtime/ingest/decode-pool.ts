// Decode worker threads: one per decode slot, started on first use. A worker runs one video at a
// time; callers bound concurrency upstream (the ingestor's decode limiter), so a job always finds
// an idle worker or waits briefly for one. A decode that overruns its own deadline (checked
// between packets) by more than `graceMs` is stuck inside native code: its worker is terminated
// and replaced, and the video fails with TooLong. A worker that dies takes only its video.
import { Worker } from 'node:worker_threads';
import type { DecodeJob, DecodeResult, VideoDecoderPool } from './decode.ts';
import type { DecodeReplyMessage, DecodeRequestMessage } from './decode-worker.ts';
import { IngestError } from './errors.ts';

interface Job {
  id: number;
  job: DecodeJob;
  resolve: (result: DecodeResult) => void;
  reject: (error: Error) => void;
}

export interface DecodePoolOptions {
  workers: number;
  /** Past the job's own timeout, before the worker is presumed stuck (default 5000). */
  graceMs?: number;
}

export function createDecodePool(options: DecodePoolOptions): VideoDecoderPool {
  const size = Math.max(1, options.workers);
  const graceMs = options.graceMs ?? 5000;
  const idle: Worker[] = [];
  const busy = new Map<Worker, { job: Job; timer: NodeJS.Timeout }>();
  const waiting: Job[] = [];
  let started = 0;
  let nextId = 0;
  let closed = false;

  const retire = (worker: Worker) => {
    busy.delete(worker);
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
    started--;
  };

  const spawn = (): Worker => {
    const worker = new Worker(new URL('./decode-worker.ts', import.meta.url));
    started++;
    worker.on('message', (reply: DecodeReplyMessage) => {
      const entry = busy.get(worker);
      if (!entry || entry.job.id !== reply.id) return;
      clearTimeout(entry.timer);
      busy.delete(worker);
      worker.unref(); // an idle worker never keeps the process alive
      idle.push(worker);
      if ('result' in reply) entry.job.resolve(reply.result);
      else entry.job.reject(new IngestError(reply.error.reason, reply.error.message));
      dispatch();
    });
    const died = (why: string) => {
      const entry = busy.get(worker);
      retire(worker);
      if (entry) {
        clearTimeout(entry.timer);
        entry.job.reject(new IngestError('DecodeFailed', `the decode worker stopped: ${why}`));
      }
      dispatch();
    };
    worker.on('error', (err) => died(err.message));
    worker.on('exit', (code) => {
      if (busy.has(worker) || idle.includes(worker)) died(`exit code ${code}`);
    });
    return worker;
  };

  const dispatch = () => {
    while (!closed && waiting.length > 0) {
      const worker = idle.pop() ?? (started < size ? spawn() : undefined);
      if (!worker) return;
      const job = waiting.shift()!;
      const timer = setTimeout(() => {
        retire(worker);
        void worker.terminate();
        job.reject(
          new IngestError(
            'TooLong',
            `decoding did not finish in ${job.job.timeoutMs + graceMs} ms (worker replaced)`,
          ),
        );
        dispatch();
      }, job.job.timeoutMs + graceMs);
      busy.set(worker, { job, timer });
      worker.ref();
      const message: DecodeRequestMessage = { id: job.id, job: job.job };
      worker.postMessage(message);
    }
  };

  return {
    decode(job) {
      if (closed) return Promise.reject(new Error('the decode pool is closed'));
      return new Promise((resolve, reject) => {
        waiting.push({ id: nextId++, job, resolve, reject });
        dispatch();
      });
    },
    async close() {
      closed = true;
      for (const job of waiting.splice(0)) job.reject(new Error('the decode pool is closed'));
      const workers = [...idle, ...busy.keys()];
      for (const { job, timer } of busy.values()) {
        clearTimeout(timer);
        job.reject(new Error('the decode pool is closed'));
      }
      busy.clear();
      idle.length = 0;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
