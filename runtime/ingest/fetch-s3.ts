// Downloads an `s3://bucket/key` video to a local file through the pipeline's object store (the
// runtime file's `objectStore`: its endpoint and the pod's credentials), with the same limits as
// an http(s) download: the declared size checked up front, bytes counted while they arrive, an
// idle (read) timeout and a total timeout. Which buckets are readable is decided by the pod's
// credentials (scope them to the source buckets: docs/storage.md).
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ObjectStore, ObjectStoreError, parseS3Uri } from '../../objectstore/s3-client.ts';
import { IngestError } from './errors.ts';

export interface S3FetchOptions {
  store: ObjectStore;
  maxVideoBytes: number;
  /** Longest silence while the body streams. */
  readTimeoutMs: number;
  /** The whole download. */
  totalTimeoutMs: number;
}

function mapStoreError(err: unknown, uri: string): IngestError {
  if (err instanceof IngestError) return err;
  if (err instanceof ObjectStoreError) {
    if (err.code === 'NotFound') return new IngestError('NotFound', `${uri}: no such object`, { cause: err });
    if (err.code === 'AccessDenied')
      return new IngestError('FetchFailed', `${uri}: access denied to this pod's credentials`, {
        cause: err,
      });
  }
  return new IngestError('FetchFailed', `fetching ${uri} failed: ${(err as Error).message}`, { cause: err });
}

/** Downloads `uri` into `destPath` (created or truncated); returns the byte count. */
export async function fetchS3ToFile(uri: string, destPath: string, options: S3FetchOptions): Promise<number> {
  let location: { bucket: string; key: string };
  try {
    location = parseS3Uri(uri);
  } catch (err) {
    throw new IngestError('InvalidMessage', (err as Error).message, { cause: err });
  }
  const abort = new AbortController();
  const fail = (reason: IngestError) => abort.abort(reason);
  const total = setTimeout(
    () => fail(new IngestError('FetchTimeout', `total timeout after ${options.totalTimeoutMs} ms: ${uri}`)),
    options.totalTimeoutMs,
  );
  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(
      () => fail(new IngestError('FetchTimeout', `read timeout after ${options.readTimeoutMs} ms: ${uri}`)),
      options.readTimeoutMs,
    );
  };
  try {
    touch();
    const body = await options.store.get(location.bucket, location.key, abort.signal);
    if (body.sizeBytes !== undefined && body.sizeBytes > options.maxVideoBytes) {
      body.stream.destroy();
      throw new IngestError(
        'TooLarge',
        `${uri} is ${body.sizeBytes} bytes > maxVideoBytes ${options.maxVideoBytes}`,
      );
    }
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, callback) {
        touch();
        bytes += chunk.length;
        if (bytes > options.maxVideoBytes)
          callback(new IngestError('TooLarge', `${uri} exceeds maxVideoBytes ${options.maxVideoBytes}`));
        else callback(null, chunk);
      },
    });
    await pipeline(body.stream, counter, createWriteStream(destPath), { signal: abort.signal });
    if (bytes === 0) throw new IngestError('EmptyVideo', `${uri} is empty`);
    return bytes;
  } catch (err) {
    if (abort.signal.aborted && abort.signal.reason instanceof IngestError) throw abort.signal.reason;
    throw mapStoreError(err, uri);
  } finally {
    clearTimeout(total);
    clearTimeout(idle);
  }
}
