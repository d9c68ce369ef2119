// The ConfigMap every pod of the pipeline mounts at /etc/vpo: `config.json` is exactly the runtime
// file `vpo runtime --config` reads, built by the runtime's own pure renderRuntimeFile from the
// plan (one function for both sides, so they cannot drift). Pure. Pods read the file; it carries
// no hash into the pod templates, so a plan change that only touches other groups does not roll a
// group's pods.

import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';
import type { Plan } from '../planner/types.ts';
import { runtimeFileKafkaAuth } from './kafka-auth.ts';
import { configMapName } from './names.ts';
import type { RenderOptions } from './options.ts';
import { childMetadata } from './owner.ts';
import { FRAME_DIR } from './pod.ts';
import { renderRuntimeFile } from './runtime-file.ts';
import { runtimeFrameStore } from './storage.ts';

export function runtimeFileOf(
  pipeline: VideoPipeline,
  sessions: ModelSession[],
  plan: Plan,
  options: Pick<RenderOptions, 'kafkaBootstrap' | 'kafkaAuth' | 'ingestFileRoots' | 'storage'>,
) {
  const storage = options.storage;
  const file = renderRuntimeFile({
    pipeline,
    sessions,
    plan,
    kafka: {
      brokers: options.kafkaBootstrap
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      ...runtimeFileKafkaAuth(options.kafkaAuth),
    },
    frameStoreRoot: FRAME_DIR,
    ...(storage ? { frameStore: runtimeFrameStore(storage, FRAME_DIR) } : {}),
    ...(storage?.objectStore ? { objectStore: storage.objectStore.connection } : {}),
  });
  const fileRoots = options.ingestFileRoots ?? [];
  if (fileRoots.length > 0) file.runtime.source.fileRoots = [...fileRoots];
  return file;
}

export function configMap(
  pipeline: VideoPipeline,
  sessions: ModelSession[],
  plan: Plan,
  options: Pick<RenderOptions, 'kafkaBootstrap' | 'kafkaAuth' | 'ingestFileRoots' | 'storage'>,
) {
  const file = runtimeFileOf(pipeline, sessions, plan, options);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMetadata(pipeline, configMapName(pipeline.metadata.name)),
    data: { 'config.json': `${JSON.stringify(file, null, 2)}\n` },
  };
}
