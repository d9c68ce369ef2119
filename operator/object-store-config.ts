// The operator's object-store settings, read once by operator/config.ts from its flags and (for
// its own keys) the environment: the namespaces' default object store for runtime pods
// (`--s3-endpoint`, `--s3-region`, `--s3-force-path-style`, `--s3-credentials-secret NAME`: a
// Secret of that name in each pipeline namespace, read by the pods through secretKeyRef), the
// default frame store bucket (`--frame-store-bucket`), and the operator's own access (for the
// model check: VPO_S3_ACCESS_KEY_ID / VPO_S3_SECRET_ACCESS_KEY, which the chart sets from a Secret
// in the operator's namespace: the operator never reads the pipelines' Secrets).
import type { S3ConnectionOptions } from '../objectstore/s3-client.ts';
import type { DefaultObjectStore } from './render/options.ts';

export class ObjectStoreConfigError extends Error {}

export const OBJECT_STORE_FLAGS = [
  '--s3-endpoint',
  '--s3-region',
  '--s3-credentials-secret',
  '--frame-store-bucket',
  '--model-check-max-bytes',
  '--model-check-timeout-ms',
] as const;

/** Boolean flags (no value). */
export const OBJECT_STORE_SWITCHES = ['--s3-force-path-style'] as const;

export interface OperatorObjectStore {
  /** The namespaces' default for runtime pods; undefined when no object store is configured. */
  runtime: DefaultObjectStore | undefined;
  /** The default frame-store bucket (needs `runtime`). */
  frameStoreBucket: string | undefined;
  /** The operator's own connection (model checks); undefined when no object store is configured. */
  connection: S3ConnectionOptions | undefined;
  modelCheck: { maxBytes: number; timeoutMs: number };
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new ObjectStoreConfigError(`${flag} must be a positive integer, got ${text}`);
  return n;
}

export function parseObjectStore(flags: Map<string, string>, env: NodeJS.ProcessEnv): OperatorObjectStore {
  const endpoint = flags.get('--s3-endpoint');
  const region = flags.get('--s3-region');
  const secret = flags.get('--s3-credentials-secret');
  const bucket = flags.get('--frame-store-bucket');
  const forcePathStyle = flags.get('--s3-force-path-style') === 'true';
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+(\/.*)?$/.test(endpoint))
    throw new ObjectStoreConfigError(`--s3-endpoint must be an http(s) URL, got ${endpoint}`);
  if (secret !== undefined && !NAME.test(secret))
    throw new ObjectStoreConfigError(`--s3-credentials-secret must be a Secret name, got ${secret}`);
  if (bucket !== undefined && !BUCKET.test(bucket))
    throw new ObjectStoreConfigError(`--frame-store-bucket must be an S3 bucket name, got ${bucket}`);
  const configured = endpoint !== undefined || region !== undefined;
  if (!configured && (secret !== undefined || bucket !== undefined || forcePathStyle))
    throw new ObjectStoreConfigError(
      '--s3-credentials-secret, --s3-force-path-style and --frame-store-bucket need an object store: set --s3-region (and --s3-endpoint for a store other than AWS S3)',
    );
  const accessKeyId = env.VPO_S3_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.VPO_S3_SECRET_ACCESS_KEY || undefined;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey))
    throw new ObjectStoreConfigError('VPO_S3_ACCESS_KEY_ID and VPO_S3_SECRET_ACCESS_KEY go together');
  const modelCheck = {
    maxBytes: positiveInt('--model-check-max-bytes', flags.get('--model-check-max-bytes'), 2 * 1024 ** 3),
    timeoutMs: positiveInt('--model-check-timeout-ms', flags.get('--model-check-timeout-ms'), 120_000),
  };
  if (!configured)
    return { runtime: undefined, frameStoreBucket: undefined, connection: undefined, modelCheck };
  const regionOrDefault = region ?? 'us-east-1';
  return {
    runtime: {
      ...(endpoint ? { endpoint } : {}),
      region: regionOrDefault,
      forcePathStyle,
      ...(secret ? { credentialsSecret: secret } : {}),
    },
    frameStoreBucket: bucket,
    connection: {
      ...(endpoint ? { endpoint } : {}),
      region: regionOrDefault,
      forcePathStyle,
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    },
    modelCheck,
  };
}
