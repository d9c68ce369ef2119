// A frame store in an S3-compatible object store, shared by every pod that reaches the bucket.
// Each entry is a group of objects under `<prefix><ref>/`: `frames` (RGB24 bytes, its dimensions
// and creation time in the object's metadata) and one empty marker object per hold (`h.<token>`)
// and per release (`r.<token>`), as the dir store keeps token files.
//
// Why reference counting stays correct across processes without locks or conditional writes:
// markers are never modified, only created (unique random names) and deleted with their entry.
// `release` first writes its release marker, then lists the entry; the entry is deleted when the
// list shows as many releases as holds. S3 (since 2020) and SeaweedFS's filer give strong
// read-after-write consistency for PUT and LIST, so a listing started after a PUT completed shows
// that marker. Every hold is written before the message that lets a consumer release it is
// published (put writes the writer's hold, ingest retains the stages' holds before publishing),
// so no release can count before all holds exist. Of the releasers, the one whose marker PUT
// completed last lists after every other marker exists, so it sees releases == holds and deletes:
// the entry cannot outlive its last release. Two releasers may both see the final count and both
// delete (idempotent). A crash between the marker and the delete leaves a complete entry behind,
// and `sweep` deletes entries older than the TTL by the store's LastModified (the safety net).
// Deletion removes `frames` with the markers in the same request; a reader that comes later gets
// RefNotFound, as with the dir store. The bytes gauge is refreshed by `sweep` only (a listing of
// the prefix), not on every put and release as the dir store does.
import { randomBytes } from 'node:crypto';
import type { ObjectInfo, ObjectStore } from '../../objectstore/s3-client.ts';
import { ObjectStoreError } from '../../objectstore/s3-client.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import type { FrameMeta, FrameStore, StoredFrames } from './framestore.ts';
import { FrameStoreError, frameBytes, validateMeta } from './framestore.ts';
import { isValidRef, newRef } from './refs.ts';

export interface S3FrameStoreOptions {
  bucket: string;
  /** Empty, or ending with `/`. */
  prefix: string;
  ttlSeconds: number;
}

export interface S3FrameStoreDeps {
  store: ObjectStore;
  metrics?: Pick<RuntimeMetrics, 'frameStoreBytes'>;
  /** Milliseconds since the epoch, recorded in each entry's metadata. */
  clock?: () => number;
}

const FRAMES = 'frames';

function token(): string {
  return randomBytes(8).toString('hex');
}

/** The object-store failure as the frame store reports it (a transient one is retriable). */
function storeError(ref: string, err: unknown): FrameStoreError {
  if (err instanceof FrameStoreError) return err;
  if (err instanceof ObjectStoreError && err.code === 'NotFound')
    return new FrameStoreError('RefNotFound', `frames ${ref} not found`, { cause: err });
  return new FrameStoreError('FrameStoreUnavailable', `frames ${ref}: ${(err as Error).message}`, {
    cause: err,
  });
}

async function readAll(stream: AsyncIterable<Buffer>, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > limitBytes) throw new Error(`more than ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

export function createS3FrameStore(options: S3FrameStoreOptions, deps: S3FrameStoreDeps): FrameStore {
  const { bucket, prefix } = options;
  if (prefix !== '' && !prefix.endsWith('/')) throw new RangeError(`prefix must end with '/', got ${prefix}`);
  const { store } = deps;
  const clock = deps.clock ?? Date.now;
  const ttlMs = options.ttlSeconds * 1000;

  const entry = (ref: string): string => {
    if (!isValidRef(ref)) throw new FrameStoreError('InvalidRef', `invalid frame ref ${JSON.stringify(ref)}`);
    return `${prefix}${ref}/`;
  };

  const markers = async (ref: string, kind: 'h' | 'r', count: number): Promise<void> => {
    const dir = entry(ref);
    await Promise.all(Array.from({ length: count }, () => store.put(bucket, `${dir}${kind}.${token()}`, '')));
  };

  /** The entries under the prefix: ref → its objects. */
  const entries = async (): Promise<Map<string, ObjectInfo[]>> => {
    const byRef = new Map<string, ObjectInfo[]>();
    for await (const o of store.list(bucket, prefix)) {
      const rest = o.key.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash <= 0) continue;
      const ref = rest.slice(0, slash);
      if (!isValidRef(ref)) continue;
      byRef.set(ref, [...(byRef.get(ref) ?? []), o]);
    }
    return byRef;
  };

  const sizeBytes = async (): Promise<number> => {
    let total = 0;
    for (const objects of (await entries()).values())
      for (const o of objects) if (o.key.endsWith(`/${FRAMES}`)) total += o.sizeBytes;
    return total;
  };

  const reportSize = async (): Promise<void> => {
    if (deps.metrics) deps.metrics.frameStoreBytes.set(await sizeBytes());
  };

  const removeEntry = async (ref: string, keys: string[]): Promise<void> => {
    const framesKey = `${entry(ref)}${FRAMES}`;
    await store.deleteKeys(bucket, [framesKey, ...keys.filter((k) => k !== framesKey)]);
  };

  return {
    async put(videoId: string, frames: Uint8Array, meta: FrameMeta): Promise<string> {
      validateMeta(meta, frames.byteLength);
      const ref = newRef(videoId);
      const dir = entry(ref);
      const metadata = {
        frames: String(meta.frames),
        width: String(meta.width),
        height: String(meta.height),
        'created-at-ms': String(clock()),
      };
      const hold = `${dir}h.${token()}`;
      try {
        await Promise.all([
          store.put(bucket, `${dir}${FRAMES}`, frames, metadata),
          store.put(bucket, hold, ''),
        ]);
      } catch (err) {
        await store.deleteKeys(bucket, [`${dir}${FRAMES}`, hold]).catch(() => {});
        throw storeError(ref, err);
      }
      return ref;
    },

    async get(ref: string): Promise<StoredFrames> {
      const key = `${entry(ref)}${FRAMES}`;
      let body: Awaited<ReturnType<ObjectStore['get']>>;
      try {
        body = await store.get(bucket, key);
      } catch (err) {
        throw storeError(ref, err);
      }
      const meta: FrameMeta = {
        frames: Number(body.metadata.frames),
        width: Number(body.metadata.width),
        height: Number(body.metadata.height),
        channels: 3,
      };
      const dims = [meta.frames, meta.width, meta.height];
      if (!dims.every((d) => Number.isInteger(d) && d > 0)) {
        body.stream.destroy();
        throw new FrameStoreError('Corrupt', `frames ${ref} have no valid dimensions in their metadata`);
      }
      const expected = frameBytes(meta);
      if (body.sizeBytes !== undefined && body.sizeBytes !== expected) {
        body.stream.destroy();
        throw new FrameStoreError(
          'Corrupt',
          `frames ${ref} hold ${body.sizeBytes} bytes, expected ${expected}`,
        );
      }
      let data: Buffer;
      try {
        data = await readAll(body.stream, expected);
      } catch (err) {
        throw storeError(ref, err);
      }
      try {
        validateMeta(meta, data.byteLength);
      } catch (err) {
        throw new FrameStoreError('Corrupt', `frames ${ref} do not match their meta`, { cause: err });
      }
      return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), meta };
    },

    async retain(ref: string, count = 1): Promise<void> {
      if (!Number.isInteger(count) || count < 0)
        throw new RangeError(`retain count must be >= 0, got ${count}`);
      const key = `${entry(ref)}${FRAMES}`;
      // A hold on frames that are gone would keep nothing alive: say so, as the dir store does.
      const head = await store.head(bucket, key).catch((err: unknown) => {
        throw storeError(ref, err);
      });
      if (!head) throw new FrameStoreError('RefNotFound', `frames ${ref} not found`);
      try {
        await markers(ref, 'h', count);
      } catch (err) {
        throw storeError(ref, err);
      }
    },

    async release(ref: string): Promise<void> {
      const dir = entry(ref);
      try {
        await markers(ref, 'r', 1);
        const keys: string[] = [];
        let holds = 0;
        let releases = 0;
        for await (const o of store.list(bucket, dir)) {
          keys.push(o.key);
          const name = o.key.slice(dir.length);
          if (name.startsWith('h.')) holds++;
          else if (name.startsWith('r.')) releases++;
        }
        if (!keys.includes(`${dir}${FRAMES}`)) {
          // Already deleted (a no-op, as for the dir store): drop the marker just written.
          await store.deleteKeys(bucket, keys);
          return;
        }
        if (releases >= holds) await removeEntry(ref, keys);
      } catch (err) {
        throw storeError(ref, err);
      }
    },

    async sweep(nowMs: number): Promise<number> {
      let deleted = 0;
      for (const [ref, objects] of await entries()) {
        // The entry's age is its frames' (or, for the markers a crash left behind, the newest marker's).
        const frames = objects.find((o) => o.key.endsWith(`/${FRAMES}`));
        const bornMs = frames ? frames.lastModifiedMs : Math.max(...objects.map((o) => o.lastModifiedMs));
        if (bornMs >= nowMs - ttlMs) continue;
        await removeEntry(
          ref,
          objects.map((o) => o.key),
        );
        if (frames) deleted++;
      }
      await reportSize();
      return deleted;
    },

    sizeBytes,
  };
}
