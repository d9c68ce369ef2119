// The decode interface the ingestor uses: sample `frames` RGB24 frames of width×height from a
// local video, in one of two modes (sampling.ts), within bounds on duration, pixels per frame,
// decoded bytes and time. The implementation decodes in-process with FFmpeg's libraries (node-av)
// in worker threads (decode-pool.ts), so fetches, Kafka and HTTP never wait behind a decode.
// Portrait/rotated clips come out upright (the display matrix is applied); they are stretched to
// width×height by default (what classifier preprocessing usually does, keeping the content's pixel
// statistics) or letterboxed with black bars when `resize` is `letterbox`.
import type { DecoderKind, SamplingMode } from '../../contract/decode-bounds.ts';

/** `gpu`: NVDEC through CUDA (opt-in per pipeline); `cpu`: libavcodec's software decoders. */
export type { DecoderKind, SamplingMode };
export type ResizeMode = 'stretch' | 'letterbox';

/** What the container says about the video stream. */
export interface VideoFacts {
  durationSeconds: number;
  /** The video stream's first timestamp; sample times are measured from it. */
  startSeconds: number;
  /** Coded size (before rotation). */
  width: number;
  height: number;
  /** Clockwise display rotation in degrees: 0, 90, 180 or 270. */
  rotationDegrees: number;
  codec: string;
  container: string;
  /** Average frames per second, NaN when unknown. */
  averageFps: number;
  hasAudio: boolean;
}

export interface DecodeBounds {
  maxDurationSeconds: number;
  /** Largest coded picture accepted, width × height (checked before the decoder exists). */
  maxPixelsPerFrame: number;
  /** Decoded picture bytes one video may produce (all frames the codec outputs, not only sampled ones). */
  maxDecodedBytes: number;
  /** Wall-clock limit of one decode. */
  timeoutMs: number;
}

export interface DecodeJob extends DecodeBounds {
  path: string;
  frames: number;
  width: number;
  height: number;
  mode: SamplingMode;
  resize: ResizeMode;
  /** Codec threads per decode (1: one decode per core, which the planner sizes pods by). */
  threads: number;
  decoder: DecoderKind;
  /** Gaps shorter than this are decoded through, never sought over. */
  minSeekGapSeconds: number;
}

export interface DecodeOutput {
  /** frames × height × width × 3 bytes, slot order. */
  data: Uint8Array;
  facts: VideoFacts;
  /** Distinct source frames in the slots; fewer than `frames` when the clip is short or truncated. */
  decodedFrames: number;
  /** Slots filled by a frame an earlier slot already uses. */
  repeatedFrames: number;
  /** Per slot, when its frame is shown, in seconds from the video's start. */
  frameTimesSeconds: number[];
  /** Frames the codec decoded (the work done, including frames no slot took). */
  codecFrames: number;
  decodedBytes: number;
  seeks: number;
}

export interface DecodeResult extends DecodeOutput {
  /** CPU time the decode thread spent on this video, ms. */
  cpuMs: number;
}

export interface VideoDecoderPool {
  decode(job: DecodeJob): Promise<DecodeResult>;
  close(): Promise<void>;
}
