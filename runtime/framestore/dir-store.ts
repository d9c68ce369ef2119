// The default frame store: a directory, typically on a volume shared by ingest and backends.
// Each entry is a directory `<root>/<ref>/` with `frames.rgb`, `meta.json` and one empty token
// file per hold (`h.*`) and per release (`r.*`). Tokens instead of a counter keep holds correct
// across processes without locks: a release adds its token, then deletes the entry when releases
// reach holds (two releasers racing both delete, which is harmless). Entries are written in a
// temp directory and renamed into place, so a reader never sees half-written frames; deletion
// renames the entry away first, for the same reason.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RuntimeMetrics } from '../metrics.ts';
import type { FrameMeta, FrameStore, StoredFrames } from './framestore.ts';
import { FrameStoreError, validateMeta } from './framestore.ts';
import { isValidRef, newRef } from './refs.ts';

export interface DirFrameStoreOptions {
  root: string;
  ttlSeconds: number;
  /**
   * Least time between two recounts of the stored bytes for the gauge (default 1000). A recount
   * lists the whole directory, so doing it on every put and release made each video cost a stat
   * per stored entry: the ingest's and the embedded pipeline's largest per-video overhead.
   */
  sizeReportIntervalMs?: number;
}

export interface DirFrameStoreDeps {
  metrics?: Pick<RuntimeMetrics, 'frameStoreBytes'>;
  /** Milliseconds since the epoch; entries record their creation time with it. */
  clock?: () => number;
}

interface StoredMeta extends FrameMeta {
  videoId: string;
  createdAtMs: number;
}

const framesFile = 'frames.rgb';
const metaFile = 'meta.json';

function token(): string {
  return randomBytes(8).toString('hex');
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

export async function createDirFrameStore(
  options: DirFrameStoreOptions,
  deps: DirFrameStoreDeps = {},
): Promise<FrameStore> {
  const root = path.resolve(options.root);
  const clock = deps.clock ?? Date.now;
  const ttlMs = options.ttlSeconds * 1000;
  await mkdir(root, { recursive: true });

  const entryDir = (ref: string): string => {
    if (!isValidRef(ref)) throw new FrameStoreError('InvalidRef', `invalid frame ref ${JSON.stringify(ref)}`);
    return path.join(root, ref);
  };

  const sizeBytes = async (): Promise<number> => {
    let total = 0;
    for (const name of await readdir(root)) {
      if (!isValidRef(name)) continue;
      total += await stat(path.join(root, name, framesFile)).then(
        (s) => s.size,
        () => 0,
      );
    }
    return total;
  };

  const reportIntervalMs = options.sizeReportIntervalMs ?? 1000;
  let lastReportMs = Number.NEGATIVE_INFINITY;
  const reportSize = async (): Promise<void> => {
    if (!deps.metrics) return;
    const nowMs = clock();
    if (nowMs - lastReportMs < reportIntervalMs) return;
    lastReportMs = nowMs;
    deps.metrics.frameStoreBytes.set(await sizeBytes());
  };

  const remove = async (dir: string): Promise<void> => {
    const doomed = path.join(root, `.del-${token()}`);
    try {
      await rename(dir, doomed);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    await rm(doomed, { recursive: true, force: true });
  };

  const addTokens = async (dir: string, prefix: 'h' | 'r', count: number): Promise<void> => {
    for (let i = 0; i < count; i++)
      await writeFile(path.join(dir, `${prefix}.${token()}`), '', { flag: 'wx' });
  };

  const readMeta = async (dir: string, ref: string): Promise<StoredMeta> => {
    try {
      return JSON.parse(await readFile(path.join(dir, metaFile), 'utf8')) as StoredMeta;
    } catch (err) {
      if (isMissing(err)) throw new FrameStoreError('RefNotFound', `frames ${ref} not found`, { cause: err });
      throw new FrameStoreError('Corrupt', `frames ${ref} have unreadable meta`, { cause: err });
    }
  };

  return {
    async put(videoId: string, frames: Uint8Array, meta: FrameMeta): Promise<string> {
      validateMeta(meta, frames.byteLength);
      const ref = newRef(videoId);
      const temp = path.join(root, `.tmp-${token()}`);
      await mkdir(temp);
      try {
        const stored: StoredMeta = { ...meta, channels: 3, videoId, createdAtMs: clock() };
        await writeFile(path.join(temp, framesFile), frames);
        await writeFile(path.join(temp, metaFile), JSON.stringify(stored));
        await addTokens(temp, 'h', 1);
        await rename(temp, entryDir(ref));
      } catch (err) {
        await rm(temp, { recursive: true, force: true });
        throw err;
      }
      await reportSize();
      return ref;
    },

    async get(ref: string): Promise<StoredFrames> {
      const dir = entryDir(ref);
      const stored = await readMeta(dir, ref);
      const meta: FrameMeta = {
        frames: stored.frames,
        width: stored.width,
        height: stored.height,
        channels: 3,
      };
      let data: Buffer;
      try {
        data = await readFile(path.join(dir, framesFile));
      } catch (err) {
        throw new FrameStoreError('RefNotFound', `frames ${ref} not found`, { cause: err });
      }
      try {
        validateMeta(meta, data.byteLength);
      } catch (err) {
        throw new FrameStoreError('Corrupt', `frames ${ref} do not match their meta`, { cause: err });
      }
      return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), meta };
    },

    async retain(ref: string, count = 1): Promise<void> {
      const dir = entryDir(ref);
      if (!Number.isInteger(count) || count < 0)
        throw new RangeError(`retain count must be >= 0, got ${count}`);
      try {
        await addTokens(dir, 'h', count);
      } catch (err) {
        if (isMissing(err))
          throw new FrameStoreError('RefNotFound', `frames ${ref} not found`, { cause: err });
        throw err;
      }
    },

    async release(ref: string): Promise<void> {
      const dir = entryDir(ref);
      let names: string[];
      try {
        await addTokens(dir, 'r', 1);
        names = await readdir(dir);
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      const holds = names.filter((n) => n.startsWith('h.')).length;
      const releases = names.filter((n) => n.startsWith('r.')).length;
      if (releases >= holds) {
        await remove(dir);
        await reportSize();
      }
    },

    async sweep(nowMs: number): Promise<number> {
      let deleted = 0;
      for (const name of await readdir(root)) {
        const dir = path.join(root, name);
        if (isValidRef(name)) {
          const createdAtMs = await readMeta(dir, name).then(
            (m) => m.createdAtMs,
            () => Number.NEGATIVE_INFINITY,
          );
          if (createdAtMs >= nowMs - ttlMs) continue;
          await remove(dir);
          deleted++;
        } else if (name.startsWith('.tmp-') || name.startsWith('.del-')) {
          // Leftovers of a crashed writer or deleter.
          const modifiedMs = await stat(dir).then(
            (s) => s.mtimeMs,
            () => nowMs,
          );
          if (modifiedMs < nowMs - ttlMs) await rm(dir, { recursive: true, force: true });
        }
      }
      await reportSize();
      return deleted;
    },

    sizeBytes,
  };
}
