// The ConfigMap every pod of the pipeline mounts at /etc/vpo: `config.json` is exactly the runtime
// file `vpo runtime --config` reads, built by the pure renderRuntimeFile from the plan (one
// function for both sides, so they cannot drift). Pure. Pods watch the file and take a re-plan's
// batch sizes, duty cycles, rates and deadlines live (runtime/plan/); the pod templates carry only
// a digest of what a pod cannot take live (contract/live-settings.ts), so a plan change that only
// retunes a group, or touches other groups, does not roll its pods.

import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import type { Plan } from '../planner/types.ts';
import { runtimeFileKafkaAuth } from './kafka-auth.ts';
import { configMapName } from './names.ts';
import type { RenderOptions } from './options.ts';
import { childMetadata } from './owner.ts';
import { FRAME_DIR } from './pod.ts';
import { renderRuntimeFile } from './runtime-file.ts';

export function runtimeFileOf(
  pipeline: VideoPipeline,
  sessions: ModelSession[],
  plan: Plan,
  options: Pick<RenderOptions, 'kafkaBootstrap' | 'kafkaAuth' | 'ingestFileRoots'>,
  planGeneration = 1,
) {
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
    runtimeOptions: { planGeneration },
  });
  const fileRoots = options.ingestFileRoots ?? [];
  if (fileRoots.length > 0) file.runtime.source.fileRoots = [...fileRoots];
  return file;
}

export function configMap(
  pipeline: VideoPipeline,
  sessions: ModelSession[],
  plan: Plan,
  options: Pick<RenderOptions, 'kafkaBootstrap' | 'kafkaAuth' | 'ingestFileRoots'>,
  planGeneration = 1,
) {
  return configMapOf(pipeline, runtimeFileOf(pipeline, sessions, plan, options, planGeneration));
}

export function configMapOf(pipeline: VideoPipeline, file: RuntimeFile) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMetadata(pipeline, configMapName(pipeline.metadata.name)),
    data: { 'config.json': `${JSON.stringify(file, null, 2)}\n` },
  };
}
