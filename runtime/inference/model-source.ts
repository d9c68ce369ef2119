// Where a session's model is on this machine, fetching it first when it is remote (the KServe
// storage-initializer pattern, done by the backend before it loads its models): `file://` opens
// in place (model-path.ts); `pvc://<claim>/<path>` opens in place from the claim's mount (the
// operator mounts each claim read-only at `<claimsDir>/<claim>`); `s3://` (through the pipeline's object store) and `http(s)://` are
// downloaded once per pod into the model cache (an emptyDir in a cluster), size-limited while the
// bytes arrive, and renamed into place only when complete and its sha256 matches, so a cached
// file is always a whole, verified model. A later start of the container in the same pod (or a
// second session on the same model) finds it there and downloads nothing.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ObjectStore, parseS3Uri } from '../../objectstore/s3-client.ts';
import { createAddressPolicy } from '../ingest/address.ts';
import { fetchHttpToFile } from '../ingest/fetch-http.ts';
import { ModelLoadError } from './errors.ts';
import { modelPath } from './model-path.ts';

export interface ModelRef {
  uri: string;
  sha256?: string;
}

export interface ModelSourceOptions {
  /** Prefix of absolute file:// model paths (docs/conventions.md "Paths"). */
  modelRoot?: string;
  /** Where remote models are kept for the life of the pod. */
  cacheDir: string;
  /** Where the claims of pvc:// models are mounted, one folder per claim. */
  claimsDir?: string;
  /** For s3:// models. */
  objectStore?: ObjectStore;
  /** Largest model accepted, bytes (default 2 GiB, the protobuf limit of one ONNX file). */
  maxModelBytes?: number;
  /** Whole download, milliseconds (default 30 minutes). */
  fetchTimeoutMs?: number;
}

export type ModelSource = (model: ModelRef) => Promise<string>;

const DEFAULT_MAX_MODEL_BYTES = 2 * 1024 ** 3;

/** The cache file of a model: by content when its sha256 is known, else by URI. */
export function cacheName(model: ModelRef): string {
  const id = model.sha256?.toLowerCase() ?? createHash('sha256').update(model.uri).digest('hex');
  return `${id}.onnx`;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function downloadS3(
  uri: string,
  dest: string,
  store: ObjectStore,
  maxBytes: number,
  timeoutMs: number,
) {
  const { bucket, key } = parseS3Uri(uri);
  const signal = AbortSignal.timeout(timeoutMs);
  const body = await store.get(bucket, key, signal);
  if (body.sizeBytes !== undefined && body.sizeBytes > maxBytes) {
    body.stream.destroy();
    throw new Error(`${body.sizeBytes} bytes > the ${maxBytes}-byte limit`);
  }
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      bytes += chunk.length;
      if (bytes > maxBytes) callback(new Error(`more than the ${maxBytes}-byte limit`));
      else callback(null, chunk);
    },
  });
  await pipeline(body.stream, counter, createWriteStream(dest), { signal });
}

async function downloadHttp(uri: string, dest: string, maxBytes: number, timeoutMs: number) {
  // Model servers are often in-cluster (private addresses are allowed); the metadata addresses
  // stay closed whatever the policy.
  await fetchHttpToFile(new URL(uri), dest, {
    maxVideoBytes: maxBytes,
    connectTimeoutMs: 10_000,
    readTimeoutMs: 60_000,
    totalTimeoutMs: timeoutMs,
    allowedSchemes: new Set(['http', 'https']),
    maxRedirects: 3,
    addresses: createAddressPolicy({ allowPrivateNetworks: true }),
  });
}

/** `pvc://<claim>/<path>` → the file under the claim's mount; never outside it. */
export function claimPath(uri: string, claimsDir: string | undefined): string {
  const match = /^pvc:\/\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\/(.+)$/.exec(uri);
  if (!match) throw new ModelLoadError(`model uri ${JSON.stringify(uri)} is not pvc://<claim>/<path>`);
  if (!claimsDir)
    throw new ModelLoadError(`model ${uri}: no claims folder (--model-claims) to find the claim in`);
  const root = path.resolve(claimsDir, match[1]!);
  const file = path.resolve(root, match[3]!);
  if (!file.startsWith(`${root}${path.sep}`))
    throw new ModelLoadError(`model ${uri}: the path leaves the claim`);
  return file;
}

export function createModelSource(options: ModelSourceOptions): ModelSource {
  const maxBytes = options.maxModelBytes ?? DEFAULT_MAX_MODEL_BYTES;
  const timeoutMs = options.fetchTimeoutMs ?? 30 * 60_000;
  return async (model) => {
    const scheme = /^([a-z0-9+.-]+):/i.exec(model.uri)?.[1]?.toLowerCase();
    if (scheme === 'file') return modelPath(model.uri, options.modelRoot);
    if (scheme === 'pvc') return claimPath(model.uri, options.claimsDir);
    if (scheme !== 's3' && scheme !== 'http' && scheme !== 'https')
      throw new ModelLoadError(
        `model uri ${JSON.stringify(model.uri)}: only file://, pvc://, s3:// and http(s):// open here`,
      );
    if (scheme === 's3' && !options.objectStore)
      throw new ModelLoadError(
        `model ${model.uri}: s3:// needs the runtime file's objectStore, and it has none`,
      );
    const target = path.join(options.cacheDir, cacheName(model));
    if (await exists(target)) return target; // readModelFile checks its sha256 again when it loads
    await mkdir(options.cacheDir, { recursive: true });
    const temp = path.join(options.cacheDir, `.partial-${randomBytes(6).toString('hex')}`);
    try {
      if (scheme === 's3') await downloadS3(model.uri, temp, options.objectStore!, maxBytes, timeoutMs);
      else await downloadHttp(model.uri, temp, maxBytes, timeoutMs);
      if (model.sha256) {
        const actual = await sha256Of(temp);
        if (actual !== model.sha256.toLowerCase())
          throw new ModelLoadError(
            `model ${model.uri}: sha256 mismatch: expected ${model.sha256}, fetched ${actual}`,
          );
      }
      await rename(temp, target);
      return target;
    } catch (err) {
      await rm(temp, { force: true });
      if (err instanceof ModelLoadError) throw err;
      throw new ModelLoadError(`cannot fetch model ${model.uri}: ${(err as Error).message}`, { cause: err });
    }
  };
}
