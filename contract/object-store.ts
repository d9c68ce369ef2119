// How a pipeline's pods reach an S3-compatible object store (the runtime file's `objectStore`):
// for an s3 frame store, s3:// source URIs and s3:// model URIs. Credentials are never in the file:
// it names the environment variables that hold them (set from a Secret by the operator), and the
// CLI reads them once, as it reads the Kafka SASL password.

export interface S3ConnectionSpec {
  /** e.g. `http://seaweedfs.storage:8333`; absent = AWS S3 in `region`. */
  endpoint?: string;
  region: string;
  /** Path-style addressing (`endpoint/bucket/key`), which most self-hosted stores need. */
  forcePathStyle?: boolean;
  /** Environment variables with the access key id and secret; absent = the SDK's default chain. */
  credentialsEnv?: { accessKeyId: string; secretAccessKey: string };
}

/** The variables the operator sets from the pipeline's credentials Secret. */
export const S3_CREDENTIALS_ENV = {
  accessKeyId: 'VPO_S3_ACCESS_KEY_ID',
  secretAccessKey: 'VPO_S3_SECRET_ACCESS_KEY',
} as const;

export const S3_BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Problems of a connection spec, for the runtime file check; empty when it is usable. */
export function s3ConnectionProblems(spec: unknown): string[] {
  if (typeof spec !== 'object' || spec === null) return ['must be an object'];
  const s = spec as Partial<S3ConnectionSpec>;
  const problems: string[] = [];
  if (typeof s.region !== 'string' || s.region === '') problems.push('region must be a non-empty string');
  if (s.endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(s.endpoint))
    problems.push('endpoint must be an http(s) URL');
  const env = s.credentialsEnv;
  if (env !== undefined && (typeof env?.accessKeyId !== 'string' || typeof env?.secretAccessKey !== 'string'))
    problems.push('credentialsEnv must name accessKeyId and secretAccessKey variables');
  return problems;
}
