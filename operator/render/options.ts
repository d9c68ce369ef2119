// What rendering takes from the operator's config (never from the environment directly).
export interface RenderOptions {
  /** Container image of the vpo runtime. */
  image: string;
  kafkaBootstrap: string;
  /** PersistentVolumeClaim shared by a pipeline's pods for frames; absent = an emptyDir per pod. */
  frameStoreClaim?: string;
  /** PersistentVolumeClaim with the models, mounted at /models; absent = baked into the image. */
  modelClaim?: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
}
