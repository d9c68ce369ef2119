// Why a video, or one item of it, ended on the dead-letter topic: one CamelCase word, the record's
// `reason` (docs/conventions.md "Dead letters"). This file is the one place to add one.

/** The ingest could not take the video (fetch, limits, decode). */
export const INGEST_REASONS = [
  'SchemeNotAllowed',
  'ForbiddenAddress',
  'FetchFailed',
  'FetchTimeout',
  'NotFound',
  'TooLarge',
  'TooLong',
  'EmptyVideo',
  'NotAVideo',
  'DecodeFailed',
  // A coded picture over source.maxPixelsPerFrame (refused before a decoder allocates).
  'FrameTooLarge',
  // Decoding would produce more than source.maxDecodedBytesPerVideo.
  'DecodeBudgetExceeded',
  // source.decoder: gpu, and no NVDEC device can be opened where the ingest runs.
  'DecoderUnavailable',
  'InvalidMessage',
] as const;

/** A stage could not process an item. */
export const STAGE_REASONS = ['InputMismatch', 'InferenceFailed', 'DeadlineExceeded'] as const;

/** The frames an item refers to could not be read. */
export const FRAME_STORE_REASONS = ['InvalidRef', 'RefNotFound', 'InvalidFrames', 'Corrupt'] as const;

/** The pipeline around the stages: joins that never completed; a result for an id another video holds. */
export const FLOW_REASONS = ['JoinTimeout', 'DuplicateVideoId'] as const;

/**
 * An output the transport refused for good (or over limits.maxOutputBytes): too large, a topic the
 * broker calls invalid, no authorization, another permanent refusal. Retrying cannot help.
 */
export const PUBLISH_REASONS = [
  'OutputTooLarge',
  'InvalidTopic',
  'NotAuthorized',
  'PublishRejected',
] as const;

export const DEAD_LETTER_REASONS = [
  ...INGEST_REASONS,
  ...STAGE_REASONS,
  ...FRAME_STORE_REASONS,
  ...FLOW_REASONS,
  ...PUBLISH_REASONS,
] as const;

export type IngestReason = (typeof INGEST_REASONS)[number];
export type StageReason = (typeof STAGE_REASONS)[number];
export type FrameStoreReason = (typeof FRAME_STORE_REASONS)[number];
export type PublishReason = (typeof PUBLISH_REASONS)[number];
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export function isDeadLetterReason(value: unknown): value is DeadLetterReason {
  return typeof value === 'string' && (DEAD_LETTER_REASONS as readonly string[]).includes(value);
}
