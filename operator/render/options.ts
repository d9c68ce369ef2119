// What rendering takes from the operator's config (never from the environment directly).
export interface RenderOptions {
  /** Container image of the vpo runtime: the operator's, ingest pods, cpu and webgpu sessions. */
  image: string;
  /** Image of backends hosting a cuda session (VARIANT=cuda); default: `image` tagged `-cuda`. */
  cudaImage?: string;
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
  /** Namespace whose pods (Prometheus) may scrape runtime pods' ops port (default "monitoring"). */
  monitoringNamespace?: string;
  /** Namespaces whose pods may submit videos to the ingest API (default: the pipeline's own). */
  ingestFrom?: string[];
  /** Render NetworkPolicies for the pipeline's pods (default true). */
  networkPolicies?: boolean;
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
  /**
   * SASL of the runtime pods. With `namespaceSecret`, each pipeline's pods authenticate as their
   * namespace's own principal: username and password from that Secret (keys `username`,
   * `password`) in the pipeline's namespace, so a tenant's pods can only reach what its ACLs
   * allow. Without it, they use the operator's username and password Secret (not least privilege).
   */
  sasl?: { mechanism: SaslMechanism; username: string; password: SecretKeyRef; namespaceSecret?: string };
  /** SASL on a connection without TLS (credentials in clear), explicitly allowed. */
  allowSaslWithoutTls?: boolean;
}

export interface Toleration {
  key: string;
  operator: 'Exists' | 'Equal';
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}
