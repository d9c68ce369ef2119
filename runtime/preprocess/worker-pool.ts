// A fixed pool of worker threads for preprocessing, so frame normalisation overlaps inference
// on the main thread. At most `threads` jobs run at once; callers are bounded upstream (each
// job belongs to an item in a bounded backend queue), so the wait list is bounded too.
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
  request: PreprocessRequest;
  resolve: (t: Float32Array) => void;
  reject: (e: Error) => void;
}

export function createPreprocessPool(options: { threads: number }): PreprocessPool {
  const idle: Worker[] = [];
  const busy = new Map<Worker, Job>();
  const waiting: Job[] = [];
  let nextId = 0;
  let closed = false;

  const dispatch = () => {
    while (idle.length > 0 && waiting.length > 0) {
      const worker = idle.pop()!;
      const job = waiting.shift()!;
      busy.set(worker, job);
      const data = job.request.frames.data;
      // Transfer whole buffers only; a view into a shared buffer (e.g. Node's Buffer pool) is copied.
      const owned = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
      const request = { ...job.request, frames: { data: owned, dims: job.request.frames.dims } };
      worker.postMessage(request, owned.buffer instanceof ArrayBuffer ? [owned.buffer] : []);
    }
  };

  for (let i = 0; i < Math.max(1, options.threads); i++) {
    const worker = new Worker(new URL('./preprocess-worker.ts', import.meta.url));
    worker.on('message', (reply: PreprocessReply) => {
      const job = busy.get(worker);
      busy.delete(worker);
      idle.push(worker);
      if (job) {
        const target = job.request.target;
        if ('written' in reply) {
          if (target)
            job.resolve(new Float32Array(target.buffer, target.offsetFloats * 4, target.lengthFloats));
          else job.reject(new Error('preprocess worker wrote to shared memory it was not given'));
        } else if ('tensor' in reply) job.resolve(reply.tensor);
        else if (reply.error.reason === 'Error') job.reject(new Error(reply.error.message));
        else job.reject(new StageError(reply.error.reason, reply.error.message));
      }
      dispatch();
    });
    worker.on('error', (err) => {
      busy
        .get(worker)
        ?.reject(new StageError('InputMismatch', `preprocessing failed: ${err.message}`, { cause: err }));
      busy.delete(worker);
    });
    idle.push(worker);
  }

  return {
    run(frames, spec, target, resize) {
      if (closed) return Promise.reject(new Error('preprocess pool is closed'));
      return new Promise((resolve, reject) => {
        waiting.push({
          request: {
            id: nextId++,
            frames,
            spec,
            ...(target ? { target } : {}),
            ...(resize ? { resize } : {}),
          },
          resolve,
          reject,
        });
        dispatch();
      });
    },
    async close() {
      closed = true;
      for (const job of waiting.splice(0)) job.reject(new Error('preprocess pool is closed'));
      await Promise.all([...idle, ...busy.keys()].map((w) => w.terminate()));
    },
  };
}
