// The one place a frame store is opened: from the runtime file's spec (contract/frame-store.ts).
import type { FrameStoreSpec } from '../../contract/frame-store.ts';
import { createDirFrameStore, type DirFrameStoreDeps } from './dir-store.ts';
import type { FrameStore } from './framestore.ts';

export type FrameStoreDeps = DirFrameStoreDeps;

export function openFrameStore(
  spec: FrameStoreSpec,
  ttlSeconds: number,
  deps: FrameStoreDeps = {},
): Promise<FrameStore> {
  const kind = spec.kind ?? 'dir';
  switch (kind) {
    case 'dir':
      return createDirFrameStore({ root: spec.root, ttlSeconds }, deps);
    default:
      throw new Error(`frame store kind '${String(kind)}' is not supported`);
  }
}
