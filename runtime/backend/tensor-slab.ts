// Shared memory for a session's item tensors, so the per-item path copies nothing: the
// preprocessing worker writes an item's normalised tensor straight into a slot of one
// SharedArrayBuffer, and a batch of items in consecutive slots is a view of that buffer, handed
// to the model as is. Slots are handed out in ring order, so items that arrive together — and a
// batch takes the queue's head, earliest deadlines, i.e. mostly the earliest arrivals — sit side
// by side. When the slab is full (more items in flight than it was sized for) an item gets no
// slot and the caller falls back to a private buffer; a batch that is not contiguous is copied.

/** Most bytes one session's slab takes (video items can be megabytes each). */
export const MAX_SLAB_BYTES = 256 * 2 ** 20;

export class TensorSlab {
  readonly buffer: SharedArrayBuffer;
  readonly itemFloats: number;
  readonly slots: number;
  #used: Uint8Array;
  #next = 0;
  #free: number;

  /** Room for `slots` items (fewer if they would pass MAX_SLAB_BYTES); undefined if not even 2 fit. */
  static create(itemFloats: number, slots: number): TensorSlab | undefined {
    const fit = Math.min(slots, Math.floor(MAX_SLAB_BYTES / (itemFloats * 4)));
    return itemFloats > 0 && fit >= 2 ? new TensorSlab(itemFloats, fit) : undefined;
  }

  private constructor(itemFloats: number, slots: number) {
    this.itemFloats = itemFloats;
    this.slots = slots;
    this.buffer = new SharedArrayBuffer(itemFloats * 4 * slots);
    this.#used = new Uint8Array(slots);
    this.#free = slots;
  }

  /** The next free slot in ring order, or undefined when all are taken. */
  acquire(): number | undefined {
    if (this.#free === 0) return undefined;
    for (let k = 0; k < this.slots; k++) {
      const slot = (this.#next + k) % this.slots;
      if (this.#used[slot]) continue;
      this.#used[slot] = 1;
      this.#free--;
      this.#next = (slot + 1) % this.slots;
      return slot;
    }
    return undefined;
  }

  release(slot: number): void {
    if (!this.#used[slot]) return;
    this.#used[slot] = 0;
    this.#free++;
  }

  /** Where slot `slot` lives, for the preprocessing worker. */
  target(slot: number): { buffer: SharedArrayBuffer; offsetFloats: number; lengthFloats: number } {
    return { buffer: this.buffer, offsetFloats: slot * this.itemFloats, lengthFloats: this.itemFloats };
  }
}

/**
 * The tensors as one batch tensor: a view when they lie back to back in one buffer (slab slots in
 * order), else copied into `scratch` (reused across batches) or a new array.
 */
export function joinTensors(
  tensors: readonly Float32Array[],
  scratch: { data?: Float32Array },
): Float32Array {
  const first = tensors[0];
  if (!first) return new Float32Array(0);
  const width = first.length;
  let contiguous = true;
  for (let i = 1; i < tensors.length && contiguous; i++) {
    const t = tensors[i]!;
    contiguous = t.buffer === first.buffer && t.byteOffset === first.byteOffset + i * width * 4;
  }
  if (contiguous) return new Float32Array(first.buffer, first.byteOffset, width * tensors.length);
  const size = width * tensors.length;
  if (!scratch.data || scratch.data.length < size) scratch.data = new Float32Array(size);
  const data = scratch.data.subarray(0, size);
  tensors.forEach((t, i) => {
    data.set(t, i * width);
  });
  return data;
}
