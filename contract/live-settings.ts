// Which parts of a runtime file a running pod takes live and which need a new pod (pure; the
// operator and the runtime apply the same rule). A load re-plan that keeps a backend group changes
// its batch sizes, duty cycle, rates, budgets and deadlines: running pods take those from the
// re-read file (runtime/plan/). Everything else a pod was built from — its hosted sessions and
// their models, inputs and outputs, the stage graph and topics, Kafka and the frame store — is
// its structure: the operator stamps a digest of it on the pod template, so a change rolls the
// group's pods, and a pod that sees its structure change in the file keeps its settings and says
// so instead of running half of a plan.
import { createHash } from 'node:crypto';
import type { RuntimeBackend, RuntimeConfig, RuntimeStage } from './runtime-config.ts';
import { filePipelines, type RuntimeFile } from './runtime-file.ts';

/** Per-stage fields a running backend takes live. */
const LIVE_STAGE_FIELDS = [
  'latencyBudgetMs',
  'deadlineOffsetMs',
  'batchSize',
  'replicas',
  'maxQueueDelayMs',
  'profile',
] as const satisfies readonly (keyof RuntimeStage)[];

/** Per-group fields a running backend takes live. */
const LIVE_BACKEND_FIELDS = [
  'replicas',
  'dutyCycleMicros',
  'occupancy',
  'planGeneration',
] as const satisfies readonly (keyof RuntimeBackend)[];

function omit<T extends object>(value: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k))) as Partial<T>;
}

/**
 * What a pod of `backend` (undefined: an ingest pod) was built from and cannot change while it
 * runs: for a backend, the full settings of the stages it hosts and only the wiring of the others. Kafka tuning (`kafka.settings`) is left out: it follows the plan's replica counts, and a
 * pod picks it up at its next start (grown partitions it finds by itself).
 */
/** A pipeline's runtime config as a pod of `backend` (undefined: ingest) was built from it. */
function runtimeStructure(runtime: RuntimeConfig, backend: string | undefined): unknown {
  const group = backend === undefined ? undefined : runtime.backends.find((b) => b.name === backend);
  return {
    ...omit(runtime, ['backends', 'stages', 'latency', 'limits']),
    stages: runtime.stages.map((s) =>
      group === undefined || group.sessions.some((h) => h.stage === s.name)
        ? omit(s, LIVE_STAGE_FIELDS)
        : {
            name: s.name,
            inputs: s.inputs,
            downstream: s.downstream,
            topic: s.topic,
            source: s.input.source,
          },
    ),
    backend: group
      ? {
          // `pipelines` only names who else the group serves (each has its own entry): a pipeline
          // leaving must not change the others' structure, or the group's pods would roll.
          ...omit(group, [...LIVE_BACKEND_FIELDS, 'sessions', 'pipelines']),
          sessions: group.sessions.map((s) => ({ stage: s.stage, session: s.session })),
        }
      : backend === undefined
        ? null
        : { missing: backend },
  };
}

/**
 * What a pod of `backend` (undefined: an ingest pod) was built from and cannot change while it
 * runs: per pipeline the file carries (a shared group's file carries several), the full settings
 * of the stages it hosts and only the wiring of the others; and what they share. Kafka tuning
 * (`kafka.settings`) is left out: it follows the plan's replica counts, and a pod picks it up at
 * its next start (grown partitions it finds by itself).
 */
export function structuralView(
  file: RuntimeFile,
  backend: string | undefined,
): { shared: unknown; pipelines: Record<string, unknown> } {
  return {
    shared: {
      version: file.version,
      kafka: omit(file.kafka, ['settings']),
      frameStore: file.frameStore,
      // Only when present, so files without one keep the digest they had.
      ...(file.objectStore ? { objectStore: file.objectStore } : {}),
      modelRoot: file.modelRoot ?? null,
    },
    pipelines: Object.fromEntries(
      filePipelines(file).map((p) => {
        const structure = runtimeStructure(p.runtime, backend);
        // A shared group's pipeline with a frame store of its own (an s3 prefix): opened at start.
        const own = p.frameStore !== file.frameStore;
        return [
          p.runtime.pipeline.name,
          own ? { ...(structure as object), frameStore: p.frameStore } : structure,
        ];
      }),
    ),
  };
}

const digestOf = (value: unknown) =>
  createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 16);

/**
 * The structure digest a pod template carries: `*=<shared>` then `<pipeline>=<digest>` per hosted
 * pipeline, sorted. Equal digests mean a running pod can take the file live.
 */
export function structureDigest(file: RuntimeFile, backend: string | undefined): string {
  const view = structuralView(file, backend);
  const entries = Object.entries(view.pipelines)
    .map(([name, v]) => `${name}=${digestOf(v)}`)
    .sort();
  return [`*=${digestOf(view.shared)}`, ...entries].join(',');
}

/**
 * The digest to stamp when the group's pods already carry `previous`: kept as it was when the new
 * one only drops pipelines (each remaining one and the shared part unchanged), since a running pod
 * lets a pipeline go live (runtime/plan/plan-reload.ts) and a shared group's other pipelines should
 * not lose their pod to it; else the new one, which rolls the pods.
 */
export function keptStructure(previous: string | undefined, next: string): string {
  if (previous === undefined) return next;
  const before = new Set(previous.split(','));
  return next.split(',').every((entry) => before.has(entry)) ? previous : next;
}

/** JSON with object keys sorted, so equal values give equal text whatever the key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
