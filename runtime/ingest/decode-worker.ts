// A decode worker thread: runs one decode at a time, synchronously, with libav (off the main
// event loop, and off libuv's thread pool that file and DNS work share). Replies with the frames
// (transferred, not copied) and the CPU time this thread spent, which is the decode's own cost:
// codec threads are 1 per decode, so nothing runs elsewhere on its behalf.
import { parentPort } from 'node:worker_threads';
import type { DecodeJob, DecodeResult } from './decode.ts';
import type { IngestReason } from './errors.ts';
import { IngestError } from './errors.ts';
import { decodeVideo, quietLibav } from './libav/decode-video.ts';

export interface DecodeRequestMessage {
  id: number;
  job: DecodeJob;
}

export type DecodeReplyMessage =
  | { id: number; result: DecodeResult }
  | { id: number; error: { reason: IngestReason; message: string } };

quietLibav();

parentPort?.on('message', ({ id, job }: DecodeRequestMessage) => {
  const before = process.threadCpuUsage();
  let reply: DecodeReplyMessage;
  let transfer: ArrayBuffer[] = [];
  try {
    const output = decodeVideo(job);
    const used = process.threadCpuUsage(before);
    reply = { id, result: { ...output, cpuMs: (used.user + used.system) / 1000 } };
    if (output.data.buffer instanceof ArrayBuffer) transfer = [output.data.buffer];
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    reply = {
      id,
      error:
        err instanceof IngestError ? { reason: err.reason, message } : { reason: 'DecodeFailed', message },
    };
  }
  parentPort?.postMessage(reply, transfer);
});
