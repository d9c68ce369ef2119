// What rendering takes from the operator's config (never from the environment directly).
export interface RenderOptions {
  /** Container image of the vpo runtime. */
  image: string;
  kafkaBootstrap: string;
  /** TLS and SASL of the runtime pods' Kafka clients; secrets reach them only as secretKeyRef. */
  kafkaAuth?: RuntimeKafkaAuth;
  /** Tolerations added to backend pods besides the nvidia.com/gpu one. */
  tolerations?: Toleration[];
  /** PersistentVolumeClaim shared by a pipeline's pods for frames; absent = an emptyDir per pod. */
  frameStoreClaim?: string;
  /** PersistentVolumeClaim with the models, mounted at /models; absent = baked into the image. */
  modelClaim?: string;
  /** Where ingest pods may read file:// sources (development clusters); absent = nowhere. */
  ingestFileRoots?: string[];
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
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
