// Worker thread entry: runs framesToTensor off the main thread, into shared memory when the
// caller gives a target (then only "done" travels back), else into a buffer it transfers back.
// Errors travel back as data (reason + message) so the caller rethrows the same StageError.
import { setPriority } from 'node:os';
import { isMainThread, parentPort } from 'node:worker_threads';
import { StageError } from '../inference/errors.ts';
import { cropToTensor, type ResizeMode } from './crop-to-tensor.ts';
import { framesToTensor } from './frames-to-tensor.ts';
import type { FrameInputSpec, Frames } from './input-spec.ts';

/**
 * The niceness of a preprocessing thread (Linux sets it per thread). onnxruntime runs a batch on
 * all cores and waits at each operator for its slowest thread, so a preprocessing thread that
 * takes a core from it for a moment stalls the whole batch: at equal priority the backend reached
 * 0.88-0.90 of raw onnxruntime throughput on 2 cores, at 19 0.92-0.93. Nothing starves: a batch
 * starts only when its items' tensors are ready, so while preprocessing lags the cores are idle
 * and it has them (saturated `vpo run` throughput is unchanged).
 */
export const PREPROCESS_NICE = 19;

if (!isMainThread) {
  try {
    setPriority(PREPROCESS_NICE);
  } catch {
    // A platform that refuses it runs preprocessing at the process's priority.
  }
}

export interface PreprocessRequest {
  id: number;
  frames: Frames;
  spec: FrameInputSpec;
  /** Present for an item's region: resized into the input (crop-to-tensor.ts). */
  resize?: ResizeMode;
  /** Write the tensor here (shared memory: nothing is sent back but the news it is done). */
  target?: { buffer: SharedArrayBuffer; offsetFloats: number; lengthFloats: number };
}

export type PreprocessReply =
  | { id: number; tensor: Float32Array }
  | { id: number; written: true }
  | { id: number; error: { reason: StageError['reason'] | 'Error'; message: string } };

parentPort?.on('message', (request: PreprocessRequest) => {
  let reply: PreprocessReply;
  try {
    const target = request.target;
    const into = target
      ? new Float32Array(target.buffer, target.offsetFloats * 4, target.lengthFloats)
      : undefined;
    const tensor = request.resize
      ? cropToTensor(request.frames, request.spec, request.resize, into)
      : framesToTensor(request.frames, request.spec, into);
    if (target) {
      parentPort!.postMessage({ id: request.id, written: true } satisfies PreprocessReply);
      return;
    }
    parentPort!.postMessage({ id: request.id, tensor } satisfies PreprocessReply, [
      tensor.buffer as ArrayBuffer,
    ]);
    return;
  } catch (err) {
    const reason = err instanceof StageError ? err.reason : 'Error';
    reply = { id: request.id, error: { reason, message: (err as Error).message } };
  }
  parentPort!.postMessage(reply);
});
