// Where a pipeline's frames live and which object store its pods reach (pure): the pipeline's own
// spec.frameStore / spec.objectStore, else the operator's defaults (--frame-store-bucket or
// --frame-store-claim; --s3-*). The ingest and every backend run in pods of their own, so frames
// must be in a store they all share: a pipeline with no shared store is refused here (Planned=False,
// FrameStoreNotShared) rather than deployed with a private emptyDir per pod, where every video
// would end as a dead letter (RefNotFound) with nothing saying why.

import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
import type { FrameStoreSpec } from '../../contract/frame-store.ts';
import { S3_CREDENTIALS_ENV, type S3ConnectionSpec } from '../../contract/object-store.ts';
import type { RenderOptions, SecretKeyRef } from './options.ts';

export interface PipelineObjectStore {
  connection: S3ConnectionSpec;
  /** Where the pods' keys come from (env by secretKeyRef); absent = the pods' own identity. */
  credentials?: { accessKeyId: SecretKeyRef; secretAccessKey: SecretKeyRef };
}

export type PipelineFrameStore =
  | { kind: 's3'; bucket: string; prefix: string }
  | { kind: 'persistentVolumeClaim'; claimName: string };

export interface PipelineStorage {
  frameStore: PipelineFrameStore;
  objectStore?: PipelineObjectStore;
}

/** The pipeline's pods would not share a frame store (Planned=False, FrameStoreNotShared). */
export class FrameStoreNotSharedError extends Error {
  override name = 'FrameStoreNotSharedError';
}

export type StorageResult = { ok: true; storage: PipelineStorage } | { ok: false; message: string };

function objectStoreOf(pipeline: VideoPipeline, options: Pick<RenderOptions, 'objectStore'>) {
  const own = pipeline.spec.objectStore;
  if (own) {
    const secret = own.credentialsSecret;
    return {
      connection: {
        ...(own.endpoint ? { endpoint: own.endpoint } : {}),
        region: own.region ?? 'us-east-1',
        ...(own.forcePathStyle ? { forcePathStyle: true } : {}),
        ...(secret ? { credentialsEnv: { ...S3_CREDENTIALS_ENV } } : {}),
      },
      ...(secret
        ? {
            credentials: {
              accessKeyId: { name: secret.name, key: secret.accessKeyIdKey ?? 'accessKeyId' },
              secretAccessKey: { name: secret.name, key: secret.secretAccessKeyKey ?? 'secretAccessKey' },
            },
          }
        : {}),
    };
  }
  const fallback = options.objectStore;
  if (!fallback) return undefined;
  const secret = fallback.credentialsSecret;
  return {
    connection: {
      ...(fallback.endpoint ? { endpoint: fallback.endpoint } : {}),
      region: fallback.region,
      ...(fallback.forcePathStyle ? { forcePathStyle: true } : {}),
      ...(secret ? { credentialsEnv: { ...S3_CREDENTIALS_ENV } } : {}),
    },
    ...(secret
      ? {
          credentials: {
            accessKeyId: { name: secret, key: 'accessKeyId' },
            secretAccessKey: { name: secret, key: 'secretAccessKey' },
          },
        }
      : {}),
  };
}

/** The operator's defaults for pipelines whose spec names no frame store or object store. */
export type StorageDefaults = Pick<RenderOptions, 'objectStore' | 'frameStoreBucket' | 'frameStoreClaim'>;

export function pipelineStorage(pipeline: VideoPipeline, options: StorageDefaults): StorageResult {
  const objectStore = objectStoreOf(pipeline, options);
  const spec = pipeline.spec.frameStore;
  const defaultPrefix = `${pipeline.metadata.namespace ?? 'default'}/${pipeline.metadata.name}/`;
  const withStore = (frameStore: PipelineFrameStore): StorageResult => ({
    ok: true,
    storage: { frameStore, ...(objectStore ? { objectStore } : {}) },
  });
  const s3 = (bucket: string, prefix: string): StorageResult =>
    objectStore
      ? withStore({ kind: 's3', bucket, prefix })
      : {
          ok: false,
          message: `frame store s3://${bucket}/${prefix} needs an object store: set spec.objectStore, or start the operator with --s3-region (and --s3-endpoint)`,
        };
  if (spec?.kind === 's3' && spec.s3) return s3(spec.s3.bucket, spec.s3.prefix ?? defaultPrefix);
  if (spec?.kind === 'persistentVolumeClaim' && spec.persistentVolumeClaim)
    return withStore({ kind: 'persistentVolumeClaim', claimName: spec.persistentVolumeClaim.claimName });
  if (options.frameStoreBucket) return s3(options.frameStoreBucket, defaultPrefix);
  if (options.frameStoreClaim)
    return withStore({ kind: 'persistentVolumeClaim', claimName: options.frameStoreClaim });
  return {
    ok: false,
    message:
      "the pipeline's ingest and backend pods need a frame store they all share, and there is none: set spec.frameStore (kind s3 with a bucket, or a ReadWriteMany persistentVolumeClaim), or start the operator with --frame-store-bucket or --frame-store-claim",
  };
}

/** The runtime file's frameStore: a dir on the mounted claim, or the s3 bucket. */
export function runtimeFrameStore(storage: PipelineStorage, frameDir: string): FrameStoreSpec {
  const f = storage.frameStore;
  return f.kind === 's3' ? { kind: 's3', bucket: f.bucket, prefix: f.prefix } : { root: frameDir };
}

/** Render options for one pipeline's pods, with its storage resolved; throws FrameStoreNotSharedError. */
export function withStorage<T extends StorageDefaults>(
  pipeline: VideoPipeline,
  options: T,
): T & { storage: PipelineStorage } {
  const resolved = pipelineStorage(pipeline, options);
  if (!resolved.ok) throw new FrameStoreNotSharedError(resolved.message);
  return { ...options, storage: resolved.storage };
}

/**
 * What the backend pods of pipelines sharing a group must agree on (pool key of the planner,
 * operator/planner/pool-place.ts): one object store (connection and keys: the pod has one set of
 * credential variables) and one frames volume (the claim, or none for s3 frame stores). s3 frame
 * stores may differ in bucket and prefix: the group's runtime file gives each pipeline its own.
 */
export function storageShareKey(storage: PipelineStorage): string {
  const claim = storage.frameStore.kind === 'persistentVolumeClaim' ? storage.frameStore.claimName : null;
  return JSON.stringify({ objectStore: storage.objectStore ?? null, framesClaim: claim });
}
