// Positioned reads of a local file for the container-header parsers: the first `headBytes` are
// read once and served from memory (where MP4 `ftyp`/`moov` and Matroska `Info`/`Tracks` usually
// are), anything else (a `moov` at the end of the file) with one `pread` of just the bytes asked.
import type { FileHandle } from 'node:fs/promises';

export interface ByteSource {
  /** File size in bytes. */
  readonly size: number;
  /** Up to `length` bytes at `offset`; fewer at the end of the file, none past it. */
  read(offset: number, length: number): Promise<Buffer>;
}

export function bufferSource(data: Buffer): ByteSource {
  return {
    size: data.length,
    read: async (offset, length) => data.subarray(offset, Math.min(data.length, offset + length)),
  };
}

export async function fileSource(handle: FileHandle, headBytes: number): Promise<ByteSource> {
  const { size } = await handle.stat();
  const head = Buffer.alloc(Math.min(size, headBytes));
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  const cached = head.subarray(0, bytesRead);
  return {
    size,
    async read(offset, length) {
      const end = Math.min(size, offset + length);
      if (offset < 0 || end <= offset) return Buffer.alloc(0);
      if (end <= cached.length) return cached.subarray(offset, end);
      const out = Buffer.alloc(end - offset);
      const got = await handle.read(out, 0, out.length, offset);
      return out.subarray(0, got.bytesRead);
    },
  };
}
