// Worker thread entry: runs framesToTensor off the main thread. Errors travel back as data
// (reason + message) so the caller rethrows the same StageError.
import { parentPort } from 'node:worker_threads';
import { StageError } from '../inference/errors.ts';
import { cropToTensor, type ResizeMode } from './crop-to-tensor.ts';
import { framesToTensor } from './frames-to-tensor.ts';
import type { FrameInputSpec, Frames } from './input-spec.ts';

export interface PreprocessRequest {
  id: number;
  frames: Frames;
  spec: FrameInputSpec;
  /** Present for an item's region: resized into the input (crop-to-tensor.ts). */
  resize?: ResizeMode;
}

export type PreprocessReply =
  | { id: number; tensor: Float32Array }
  | { id: number; error: { reason: StageError['reason'] | 'Error'; message: string } };

parentPort?.on('message', (request: PreprocessRequest) => {
  let reply: PreprocessReply;
  try {
    const tensor = request.resize
      ? cropToTensor(request.frames, request.spec, request.resize)
      : framesToTensor(request.frames, request.spec);
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
