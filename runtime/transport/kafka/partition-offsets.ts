// Which offset of one partition may be committed. Messages are processed in order per partition;
// a message whose handler resolved but whose video has not left the stage yet (an input parked in
// a join, waiting for the other inputs) is "held": the committed offset stays at the oldest held
// message, so after a crash or rebalance the join's state is rebuilt by re-reading from the
// committed offset. A held message is let go when its video leaves (is published onward or
// dead-lettered). Bounded: the caller pauses the partition when too much is held.

export class PartitionOffsets {
  /** Offset after the last message processed (resolved). */
  private next: number | undefined;
  /** Held offsets by videoId (a video may be held more than once: duplicates, several inputs). */
  private readonly held = new Map<string, number[]>();
  private heldCount = 0;
  private committed: number | undefined;

  get size(): number {
    return this.heldCount;
  }

  processed(offset: number): void {
    this.next = Math.max(this.next ?? 0, offset + 1);
  }

  hold(videoId: string, offset: number): void {
    const offsets = this.held.get(videoId) ?? [];
    offsets.push(offset);
    this.held.set(videoId, offsets);
    this.heldCount++;
  }

  /** Lets go of a video's held messages; true when something was held. */
  release(videoId: string): boolean {
    const offsets = this.held.get(videoId);
    if (!offsets) return false;
    this.held.delete(videoId);
    this.heldCount -= offsets.length;
    return true;
  }

  /** The offset to commit now (the next to read after a restart), or undefined if unchanged. */
  toCommit(): number | undefined {
    if (this.next === undefined) return undefined;
    let offset = this.next;
    for (const offsets of this.held.values()) for (const o of offsets) offset = Math.min(offset, o);
    if (offset === this.committed) return undefined;
    return offset;
  }

  committedAt(offset: number): void {
    this.committed = offset;
  }
}
