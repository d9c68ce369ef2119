// Frames travel by reference (DESIGN.md): decoded frames live here, messages carry only the ref.
// A ref is held by consumers: `put` returns it held once (by the writer), `retain` adds holders
// (one per stage that will read it), `release` drops one; the entry is deleted when the last
// holder has released it, or by `sweep` once older than the TTL (frames nobody released).

import type { FrameStoreReason } from '../../contract/dead-letter-reasons.ts';
import { RuntimeError } from '../errors.ts';
export interface FrameMeta {
  frames: number;
  width: number;
  height: number;
  channels: 3;
}

export interface StoredFrames {
  data: Uint8Array;
  meta: FrameMeta;
}

export interface FrameStore {
  /** Stores `frames` (frames×height×width×3 bytes, RGB24); the returned ref is held once. */
  put(videoId: string, frames: Uint8Array, meta: FrameMeta): Promise<string>;
  get(ref: string): Promise<StoredFrames>;
  /** Adds `count` holders (default 1). */
  retain(ref: string, count?: number): Promise<void>;
  /** Drops one holder; deletes the frames when none is left. Releasing a deleted ref is a no-op. */
  release(ref: string): Promise<void>;
  /** Deletes entries created before `nowMs - ttl`; returns how many were deleted. */
  sweep(nowMs: number): Promise<number>;
  /** Bytes of frame data currently stored. */
  sizeBytes(): Promise<number>;
}

export type FrameStoreErrorCode = FrameStoreReason;

/**
 * Frames that cannot be read: bad input for the item that refers to them, never retried; or a
 * store that does not answer (`FrameStoreUnavailable`, retriable).
 */
export class FrameStoreError extends RuntimeError<FrameStoreReason> {
  constructor(code: FrameStoreReason, message: string, options?: { cause?: unknown }) {
    super(code, message, { ...options, retriable: code === 'FrameStoreUnavailable' });
    this.name = 'FrameStoreError';
  }

  get code(): FrameStoreReason {
    return this.reason;
  }
}

export function frameBytes(meta: FrameMeta): number {
  return meta.frames * meta.width * meta.height * meta.channels;
}

export function validateMeta(meta: FrameMeta, byteLength: number): void {
  const dims = [meta.frames, meta.width, meta.height];
  if (!dims.every((d) => Number.isInteger(d) && d > 0) || meta.channels !== 3) {
    throw new FrameStoreError('InvalidFrames', `invalid frame meta ${JSON.stringify(meta)}`);
  }
  if (frameBytes(meta) !== byteLength) {
    throw new FrameStoreError(
      'InvalidFrames',
      `expected ${frameBytes(meta)} bytes for ${JSON.stringify(meta)}, got ${byteLength}`,
    );
  }
}
