// Where a pipeline's decoded frames live (the runtime file's `frameStore`): shared by its ingest
// and backend pods. A new kind is added here and opened in runtime/framestore/open.ts.

/** A directory, on a volume every pod of the pipeline mounts (a ReadWriteMany claim in a cluster). */
export interface DirFrameStoreSpec {
  kind?: 'dir';
  root: string;
}

/**
 * Objects in an S3-compatible store, reached through the runtime file's `objectStore` connection:
 * each entry is `<prefix><ref>/frames` plus empty hold and release markers (runtime/framestore/s3-store.ts).
 */
export interface S3FrameStoreSpec {
  kind: 's3';
  bucket: string;
  /** Key prefix of this pipeline's frames, e.g. `media/video-classifier/` (ends with `/` or is empty). */
  prefix: string;
}

export type FrameStoreSpec = DirFrameStoreSpec | S3FrameStoreSpec;

export const FRAME_STORE_KINDS = ['dir', 's3'] as const;

export type FrameStoreKind = (typeof FRAME_STORE_KINDS)[number];

export function frameStoreKind(spec: FrameStoreSpec): FrameStoreKind {
  return spec.kind ?? 'dir';
}
