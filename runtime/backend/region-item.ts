// An item message's input (crop by reference): the region it names is cut from its video's
// stored frames, and only those bytes go on to preprocessing. The items of one video arrive
// together, so the frames of the last few videos are kept (read once, not once per item); the
// cache hands out the stored bytes, which cropping only reads (a crop is a copy, and it is the
// crop whose buffer travels to a worker thread).
import type { ResizeMode } from '../../contract/runtime-config.ts';
import type { FrameStore, StoredFrames } from '../framestore/framestore.ts';
import { cropRegion } from '../preprocess/crop-to-tensor.ts';
import type { Frames } from '../preprocess/input-spec.ts';
import type { ItemRegion } from '../transport/transport.ts';

export interface RegionFrames {
  frames: Frames;
  resize: ResizeMode;
}

export class RecentFrames {
  private readonly store: Pick<FrameStore, 'get'>;
  private readonly capacity: number;
  private readonly entries = new Map<string, Promise<StoredFrames>>();

  constructor(store: Pick<FrameStore, 'get'>, capacity = 4) {
    this.store = store;
    this.capacity = capacity;
  }

  get(ref: string): Promise<StoredFrames> {
    const known = this.entries.get(ref);
    this.entries.delete(ref);
    const entry = known ?? this.store.get(ref);
    // A failed read is not remembered: the next item tries again.
    if (!known) entry.catch(() => this.entries.get(ref) === entry && this.entries.delete(ref));
    this.entries.set(ref, entry);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return entry;
  }
}

export async function regionFrames(
  frames: RecentFrames,
  ref: string,
  region: ItemRegion,
  resize: ResizeMode,
): Promise<RegionFrames> {
  const stored = await frames.get(ref);
  const { frames: count, height, width } = stored.meta;
  const crop = cropRegion({ data: stored.data, dims: [count, height, width, 3] }, region);
  return { frames: crop, resize };
}
