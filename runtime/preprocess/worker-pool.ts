// A fixed pool of worker threads for preprocessing, so frame normalisation overlaps inference
// on the main thread. A job is posted to a worker as soon as it is asked for (the worker with the
// fewest jobs in hand), not when a worker comes free: onnxruntime-node runs a batch synchronously
// on the main thread, and a worker that had to wait for the main thread to hand it its next job
// would sit idle for the whole batch. Callers are bounded upstream (each job belongs to an item in
// a bounded backend queue), so the jobs in hand are bounded too.
import { Worker } from 'node:worker_threads';
import { StageError } from '../inference/errors.ts';
import type { ResizeMode } from './crop-to-tensor.ts';
import type { FrameInputSpec, Frames } from './input-spec.ts';
import type { PreprocessReply, PreprocessRequest } from './preprocess-worker.ts';

/** Where in shared memory to write an item's tensor (a TensorSlab slot). */
export interface PreprocessTarget {
  buffer: SharedArrayBuffer;
  offsetFloats: number;
  lengthFloats: number;
}

export interface PreprocessPool {
  /**
   * Normalises one item's frames, or with `resize` an item's region (one frame, any size; see
   * crop-to-tensor.ts). The frames' buffer is transferred to the worker. With a target, the
   * tensor is written there and the result is a view of it (no copy, no transfer).
   */
  run(
    frames: Frames,
    spec: FrameInputSpec,
    target?: PreprocessTarget,
    resize?: ResizeMode,
  ): Promise<Float32Array>;
  close(): Promise<void>;
}

interface Job {
  resolve: (t: Float32Array) => void;
  reject: (e: Error) => void;
  target?: PreprocessTarget;
}

export function createPreprocessPool(options: { threads: number }): PreprocessPool {
  // Each worker's jobs in hand, by request id (a worker answers its jobs in the order posted).
  const workers = new Map<Worker, Map<number, Job>>();
  let nextId = 0;
  let closed = false;

  const settle = (job: Job, reply: PreprocessReply) => {
    const target = job.target;
    if ('written' in reply) {
      if (target) job.resolve(new Float32Array(target.buffer, target.offsetFloats * 4, target.lengthFloats));
      else job.reject(new Error('preprocess worker wrote to shared memory it was not given'));
    } else if ('tensor' in reply) job.resolve(reply.tensor);
    else if (reply.error.reason === 'Error') job.reject(new Error(reply.error.message));
    else job.reject(new StageError(reply.error.reason, reply.error.message));
  };

  for (let i = 0; i < Math.max(1, options.threads); i++) {
    const worker = new Worker(new URL('./preprocess-worker.ts', import.meta.url));
    const jobs = new Map<number, Job>();
    workers.set(worker, jobs);
    worker.on('message', (reply: PreprocessReply) => {
      const job = jobs.get(reply.id);
      jobs.delete(reply.id);
      if (job) settle(job, reply);
    });
    worker.on('error', (err) => {
      for (const job of jobs.values())
        job.reject(new StageError('InputMismatch', `preprocessing failed: ${err.message}`, { cause: err }));
      jobs.clear();
    });
  }

  /** The worker with the fewest jobs in hand. */
  const leastBusy = (): [Worker, Map<number, Job>] => {
    let best: [Worker, Map<number, Job>] | undefined;
    for (const entry of workers) if (!best || entry[1].size < best[1].size) best = entry;
    return best!;
  };

  return {
    run(frames, spec, target, resize) {
      if (closed) return Promise.reject(new Error('preprocess pool is closed'));
      return new Promise((resolve, reject) => {
        const id = nextId++;
        const [worker, jobs] = leastBusy();
        jobs.set(id, { resolve, reject, ...(target ? { target } : {}) });
        const data = frames.data;
        // Transfer whole buffers only; a view into a shared buffer (e.g. Node's Buffer pool) is copied.
        const owned =
          data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
        const request: PreprocessRequest = {
          id,
          frames: { data: owned, dims: frames.dims },
          spec,
          ...(target ? { target } : {}),
          ...(resize ? { resize } : {}),
        };
        worker.postMessage(request, owned.buffer instanceof ArrayBuffer ? [owned.buffer] : []);
      });
    },
    async close() {
      closed = true;
      for (const jobs of workers.values()) {
        for (const job of jobs.values()) job.reject(new Error('preprocess pool is closed'));
        jobs.clear();
      }
      await Promise.all([...workers.keys()].map((w) => w.terminate()));
    },
  };
}
