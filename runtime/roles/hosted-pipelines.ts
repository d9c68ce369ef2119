// Which pipelines and stages a backend process hosts (--backend NAME, --stages a,b, or all): a
// backend group's runtime file may carry several pipelines of one namespace (contract/runtime-file.ts
// `otherPipelines`), each listing the group with its own sessions on it.
import type { RuntimeConfig } from '../../contract/runtime-config.ts';
import { filePipelines, type HostedPipeline, type RuntimeFile } from '../../contract/runtime-file.ts';

export interface BackendSelection {
  stages?: string[];
  backend?: string;
}

/** The stages this backend hosts of one pipeline; throws naming an unknown stage or backend. */
export function hostedStages(config: RuntimeConfig, selection: BackendSelection): string[] {
  const known = config.stages.map((s) => s.name);
  if (selection.stages?.length) {
    const unknown = selection.stages.filter((s) => !known.includes(s));
    if (unknown.length > 0)
      throw new Error(`unknown stage(s) ${unknown.join(', ')} (stages: ${known.join(', ')})`);
    return selection.stages;
  }
  if (selection.backend) {
    const group = config.backends.find((b) => b.name === selection.backend);
    if (!group)
      throw new Error(`no planned backend ${selection.backend} in pipeline ${config.pipeline.name}`);
    return group.sessions.map((s) => s.stage);
  }
  return known;
}

/** The config this process's stage workers see: only its stages, one backend hosting them. */
export function hostedConfig(config: RuntimeConfig, stages: string[]): RuntimeConfig {
  const hosted = config.stages.filter((s) => stages.includes(s.name));
  const planned = new Map(config.backends.flatMap((b) => b.sessions.map((s) => [s.stage, s.rateVps])));
  return {
    ...config,
    stages: hosted,
    backends: [
      {
        name: 'local',
        gpuProduct: 'local',
        replicas: 1,
        dutyCycleMicros: 0,
        sessions: hosted.map((s) => ({
          stage: s.name,
          session: s.session,
          batchSize: s.batchSize,
          rateVps: planned.get(s.name) ?? 0,
        })),
      },
    ],
  };
}

export type HostedStages = HostedPipeline & { stages: string[] };

/** Each pipeline the file carries with the stages this process hosts of it. */
export function selectPipelines(file: RuntimeFile, selection: BackendSelection): HostedStages[] {
  const pipelines = filePipelines(file);
  if (selection.stages?.length && pipelines.length > 1) {
    const names = pipelines.map((p) => p.runtime.pipeline.name).join(', ');
    throw new Error(`--stages picks stages of one pipeline; this file hosts ${names}: use --backend NAME`);
  }
  return pipelines.map((p) => ({ ...p, stages: hostedStages(p.runtime, selection) }));
}

/** A file for one of the hosted pipelines: its config and Kafka settings in `runtime`'s place. */
export function fileOf(file: RuntimeFile, p: HostedPipeline): RuntimeFile {
  const { otherPipelines: _, ...rest } = file;
  return { ...rest, runtime: p.runtime, kafka: { ...file.kafka, settings: p.kafkaSettings } };
}
