// How a vpo process reaches an S3-compatible object store (AWS S3, SeaweedFS, Ceph RGW, …): the
// only importer of @aws-sdk/client-s3. Both planes use it through the small `ObjectStore`
// interface below (runtime: the s3 frame store, s3:// sources and models; operator: the model
// check), so a change of client library stays in this file. Errors are mapped to a short code
// here, so callers never look at SDK error names.
import type { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';

export interface S3ConnectionOptions {
  /** e.g. `http://127.0.0.1:8333`; absent = AWS's endpoint for `region`. */
  endpoint?: string;
  region: string;
  /** `http(s)://endpoint/bucket/key` instead of `bucket.endpoint` (most self-hosted stores). */
  forcePathStyle?: boolean;
  /** Absent = the SDK's default chain (environment, web identity, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Socket connect timeout, milliseconds (default 5000). */
  connectTimeoutMs?: number;
  /** Longest silence on a socket, milliseconds (default 30000). */
  requestTimeoutMs?: number;
  /** Attempts per request, retries of throttling and 5xx included (default 3). */
  maxAttempts?: number;
}

export type ObjectStoreErrorCode = 'NotFound' | 'AccessDenied' | 'Unavailable' | 'Invalid';

/** A failed object-store request: `NotFound` (no such key or bucket), `AccessDenied`, … */
export class ObjectStoreError extends Error {
  readonly code: ObjectStoreErrorCode;
  /** Another attempt may help (the store or the network failed, not the request). */
  readonly retriable: boolean;

  constructor(code: ObjectStoreErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ObjectStoreError';
    this.code = code;
    this.retriable = code === 'Unavailable';
  }
}

export interface ObjectInfo {
  key: string;
  sizeBytes: number;
  /** The store's LastModified, milliseconds since the epoch. */
  lastModifiedMs: number;
}

export interface ObjectBody {
  /** Content-Length the store declared, when it did. */
  sizeBytes: number | undefined;
  /** User metadata (x-amz-meta-*), keys lower-case. */
  metadata: Record<string, string>;
  stream: Readable;
}

export interface ObjectStore {
  put(
    bucket: string,
    key: string,
    body: Uint8Array | string,
    metadata?: Record<string, string>,
  ): Promise<void>;
  /** Starts a download; the caller consumes (or destroys) the stream. `signal` aborts it. */
  get(bucket: string, key: string, signal?: AbortSignal): Promise<ObjectBody>;
  /** Size and metadata, or undefined when there is no such object. */
  head(bucket: string, key: string): Promise<(ObjectInfo & { metadata: Record<string, string> }) | undefined>;
  /** Every object under `prefix`, page by page. */
  list(bucket: string, prefix: string): AsyncIterable<ObjectInfo>;
  /** Deletes the keys (absent ones are no error), up to 1000 per request. */
  deleteKeys(bucket: string, keys: string[]): Promise<void>;
  /** Creates the bucket unless it exists (set-up and tests; pods never create buckets). */
  ensureBucket(bucket: string): Promise<void>;
  close(): void;
}

const NOT_FOUND = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound']);
const DENIED = new Set([
  'AccessDenied',
  'Forbidden',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AllAccessDisabled',
]);

function describe(what: string, err: unknown): ObjectStoreError {
  if (err instanceof ObjectStoreError) return err;
  if (err instanceof S3ServiceException) {
    const status = err.$metadata?.httpStatusCode ?? 0;
    const detail = `${what}: ${err.name}${err.message && err.message !== err.name ? ` (${err.message})` : ''}`;
    if (NOT_FOUND.has(err.name) || status === 404)
      return new ObjectStoreError('NotFound', detail, { cause: err });
    if (DENIED.has(err.name) || status === 403 || status === 401)
      return new ObjectStoreError('AccessDenied', detail, { cause: err });
    if (status >= 500 || status === 429 || err.name === 'SlowDown')
      return new ObjectStoreError('Unavailable', detail, { cause: err });
    return new ObjectStoreError('Invalid', detail, { cause: err });
  }
  const code = (err as NodeJS.ErrnoException)?.code;
  if ((err as Error)?.name === 'AbortError')
    return new ObjectStoreError('Unavailable', `${what}: aborted`, { cause: err });
  return new ObjectStoreError('Unavailable', `${what}: ${code ?? (err as Error)?.message ?? String(err)}`, {
    cause: err,
  });
}

export function createS3ObjectStore(options: S3ConnectionOptions): ObjectStore {
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    // Checksums only where S3 requires them: the newer defaults (CRC trailers on every upload)
    // are not understood by every S3-compatible store.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? 5000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
    },
  });
  const where = (bucket: string, key: string) => `s3://${bucket}/${key}`;

  return {
    async put(bucket, key, body, metadata) {
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentLength: typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
            ...(metadata ? { Metadata: metadata } : {}),
          }),
        );
      } catch (err) {
        throw describe(`put ${where(bucket, key)}`, err);
      }
    },

    async get(bucket, key, signal) {
      try {
        const out = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key }),
          signal ? { abortSignal: signal } : {},
        );
        if (!out.Body) throw new ObjectStoreError('Invalid', `get ${where(bucket, key)}: no body`);
        return {
          sizeBytes: out.ContentLength,
          metadata: out.Metadata ?? {},
          stream: out.Body as Readable,
        };
      } catch (err) {
        throw describe(`get ${where(bucket, key)}`, err);
      }
    },

    async head(bucket, key) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return {
          key,
          sizeBytes: out.ContentLength ?? 0,
          lastModifiedMs: out.LastModified?.getTime() ?? 0,
          metadata: out.Metadata ?? {},
        };
      } catch (err) {
        const e = describe(`head ${where(bucket, key)}`, err);
        if (e.code === 'NotFound') return undefined;
        throw e;
      }
    },

    async *list(bucket, prefix) {
      let token: string | undefined;
      do {
        let page: ListObjectsV2CommandOutput;
        try {
          page = await client.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
          );
        } catch (err) {
          throw describe(`list ${where(bucket, prefix)}`, err);
        }
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined) continue;
          yield { key: o.Key, sizeBytes: o.Size ?? 0, lastModifiedMs: o.LastModified?.getTime() ?? 0 };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    async deleteKeys(bucket, keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const chunk = keys.slice(i, i + 1000);
        try {
          const out = await client.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
            }),
          );
          const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
          if (failed.length > 0) {
            const first = failed[0]!;
            throw new ObjectStoreError(
              first.Code === 'AccessDenied' ? 'AccessDenied' : 'Unavailable',
              `delete ${failed.length} object(s) in s3://${bucket}: ${first.Key}: ${first.Code} ${first.Message ?? ''}`.trim(),
            );
          }
        } catch (err) {
          throw describe(`delete ${chunk.length} object(s) in s3://${bucket}`, err);
        }
      }
    },

    async ensureBucket(bucket) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return;
      } catch (err) {
        const e = describe(`head bucket ${bucket}`, err);
        if (e.code !== 'NotFound') throw e;
      }
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (err) {
        const name = (err as Error).name;
        if (name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists') return;
        throw describe(`create bucket ${bucket}`, err);
      }
    },

    close() {
      client.destroy();
    },
  };
}

/** `s3://bucket/key` → its parts; throws on anything else (an empty key, no bucket). */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(uri);
  if (!match) throw new Error(`${JSON.stringify(uri.slice(0, 200))} is not s3://<bucket>/<key>`);
  return { bucket: match[1]!, key: match[2]! };
}
