// Decode bounds shared by the operator (defaults in the runtime config, ingest pods' memory limit)
// and the runtime (enforced per video). The CRD carries the same defaults (spec.source).

/** A 4K UHD picture, 3840 × 2160. */
export const DEFAULT_MAX_PIXELS_PER_FRAME = 3840 * 2160;

/** 16 GiB of decoded pictures: about 3 minutes of 1080p decoded frame by frame. */
export const DEFAULT_MAX_DECODED_BYTES_PER_VIDEO = 16 * 2 ** 30;

export type SamplingMode = 'uniform' | 'keyframes';
export type DecoderKind = 'cpu' | 'gpu';
