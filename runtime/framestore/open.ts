// The one place a frame store is opened: from the runtime file's spec (contract/frame-store.ts).
import type { FrameStoreSpec } from '../../contract/frame-store.ts';
import type { ObjectStore } from '../../objectstore/s3-client.ts';
import { createDirFrameStore, type DirFrameStoreDeps } from './dir-store.ts';
import type { FrameStore } from './framestore.ts';
import { createS3FrameStore } from './s3-store.ts';

export type FrameStoreDeps = DirFrameStoreDeps & {
  /** The runtime file's object store; an s3 frame store needs it. */
  objectStore?: ObjectStore;
};

export async function openFrameStore(
  spec: FrameStoreSpec,
  ttlSeconds: number,
  deps: FrameStoreDeps = {},
): Promise<FrameStore> {
  switch (spec.kind ?? 'dir') {
    case 'dir':
      return createDirFrameStore({ root: (spec as { root: string }).root, ttlSeconds }, deps);
    case 's3': {
      if (spec.kind !== 's3') throw new Error('unreachable');
      if (!deps.objectStore) throw new Error('an s3 frame store needs the runtime file objectStore');
      const { objectStore, ...rest } = deps;
      return createS3FrameStore(
        { bucket: spec.bucket, prefix: spec.prefix, ttlSeconds },
        { ...rest, store: objectStore },
      );
    }
    default:
      throw new Error(`frame store kind '${String(spec.kind)}' is not supported`);
  }
}
