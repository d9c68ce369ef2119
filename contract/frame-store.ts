// Where a pipeline's decoded frames live (the runtime file's `frameStore`): shared by its ingest
// and backend pods. A new kind is added here and opened in runtime/framestore/open.ts.

/** A directory, on a volume every pod of the pipeline mounts (a ReadWriteMany claim in a cluster). */
export interface DirFrameStoreSpec {
  kind?: 'dir';
  root: string;
}

export type FrameStoreSpec = DirFrameStoreSpec;

export const FRAME_STORE_KINDS = ['dir'] as const;
