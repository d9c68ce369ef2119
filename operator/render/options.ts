// What rendering takes from the operator's config (never from the environment directly).
import type { PipelineStorage } from './storage.ts';

export interface RenderOptions {
  /** Container image of the vpo runtime. */
  image: string;
  kafkaBootstrap: string;
  /** TLS and SASL of the runtime pods' Kafka clients; secrets reach them only as secretKeyRef. */
  kafkaAuth?: RuntimeKafkaAuth;
  /** Tolerations added to backend pods besides the nvidia.com/gpu one. */
  tolerations?: Toleration[];
  /** Default frame store: a PersistentVolumeClaim in each pipeline's namespace (ReadWriteMany). */
  frameStoreClaim?: string;
  /** Default frame store: a bucket of the default object store (prefix `<namespace>/<pipeline>/`). */
  frameStoreBucket?: string;
  /** The object store pipelines use unless their spec.objectStore says otherwise. */
  objectStore?: DefaultObjectStore;
  /** PersistentVolumeClaim with the models, mounted at /models; absent = baked into the image. */
  modelClaim?: string;
  /** Where ingest pods may read file:// sources (development clusters); absent = nowhere. */
  ingestFileRoots?: string[];
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** One pipeline's resolved storage (storage.ts): set by desiredChildren for its pods. */
  storage?: PipelineStorage;
}

/** The operator's default object store for runtime pods (operator/object-store-config.ts). */
export interface DefaultObjectStore {
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** A Secret of this name in each pipeline namespace, keys accessKeyId and secretAccessKey. */
  credentialsSecret?: string;
}

/** A key of a Secret in the pipeline's namespace (secretKeyRef resolves there). */
export interface SecretKeyRef {
  name: string;
  key: string;
}

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface RuntimeKafkaAuth {
  /** TLS on; PEM CA, client certificate and key from Secrets (each optional). */
  tls?: { ca?: SecretKeyRef; cert?: SecretKeyRef; key?: SecretKeyRef };
  /** The username is not secret (it is in the runtime file); the password only via secretKeyRef. */
  sasl?: { mechanism: SaslMechanism; username: string; password: SecretKeyRef };
}

export interface Toleration {
  key: string;
  operator: 'Exists' | 'Equal';
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}
