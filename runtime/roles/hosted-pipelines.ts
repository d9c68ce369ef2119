// Which pipelines and stages a backend process hosts (--backend NAME, --stages a,b, or all), and
// the gathers it runs (beside their input stage, or named in --stages): a
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
    const gathers = (config.gathers ?? []).map((g) => g.name);
    const unknown = selection.stages.filter((s) => !known.includes(s) && !gathers.includes(s));
    if (unknown.length > 0)
      throw new Error(
        `unknown stage(s) ${unknown.join(', ')} (stages: ${[...known, ...gathers].join(', ')})`,
      );
    return selection.stages.filter((s) => known.includes(s));
  }
  if (selection.backend) {
    const group = config.backends.find((b) => b.name === selection.backend);
    if (!group)
      throw new Error(`no planned backend ${selection.backend} in pipeline ${config.pipeline.name}`);
    return group.sessions.map((s) => s.stage);
  }
  return known;
}

/**
 * The gathers this process runs: those --stages names, and those whose input stage it hosts (a
 * gather runs no model, so it goes where its items come from; several groups hosting that stage
 * share the gather's partitions, each video's items keyed to one of them).
 */
export function hostedGathers(
  config: RuntimeConfig,
  selection: BackendSelection,
  stages: string[],
): string[] {
  return (config.gathers ?? [])
    .filter((g) => selection.stages?.includes(g.name) || stages.includes(g.input))
    .map((g) => g.name);
}

/**
 * The config this process's stage workers see: only its stages, one backend hosting them — its
 * planned group (batch caps, duty cycle, rates) with `--backend`, else an unplanned one (the
 * stages' batch sizes, plain round robin, no planned rate).
 */
export function hostedConfig(config: RuntimeConfig, stages: string[], backend?: string): RuntimeConfig {
  const hosted = config.stages.filter((s) => stages.includes(s.name));
  const planned = backend === undefined ? undefined : config.backends.find((b) => b.name === backend);
  return {
    ...config,
    stages: hosted,
    backends: [
      planned ?? {
        name: 'local',
        gpuProduct: 'local',
        replicas: 1,
        dutyCycleMicros: 0,
        occupancy: 0,
        planGeneration: Math.max(0, ...config.backends.map((b) => b.planGeneration ?? 0)),
        sessions: hosted.map((s) => ({
          stage: s.name,
          session: s.session,
          batchSize: s.batchSize,
          rateVps: 0,
        })),
      },
    ],
  };
}

export type HostedStages = ReturnType<typeof filePipelines>[number] & { stages: string[]; gathers: string[] };

/** Each pipeline the file carries with the stages (and gathers) this process hosts of it. */
export function selectPipelines(file: RuntimeFile, selection: BackendSelection): HostedStages[] {
  const pipelines = filePipelines(file);
  if (selection.stages?.length && pipelines.length > 1) {
    const names = pipelines.map((p) => p.runtime.pipeline.name).join(', ');
    throw new Error(`--stages picks stages of one pipeline; this file hosts ${names}: use --backend NAME`);
  }
  return pipelines.map((p) => {
    const stages = hostedStages(p.runtime, selection);
    return { ...p, stages, gathers: hostedGathers(p.runtime, selection, stages) };
  });
}

/** A file for one of the hosted pipelines: its config and Kafka settings in `runtime`'s place. */
export function fileOf(file: RuntimeFile, p: HostedPipeline): RuntimeFile {
  const { otherPipelines: _, ...rest } = file;
  return { ...rest, runtime: p.runtime, kafka: { ...file.kafka, settings: p.kafkaSettings } };
}
