// Measured profiles of a ModelSession (pure): which GPU products of the cluster still need one,
// which recorded ones are stale (measured for another model or provider), how a profiling
// result becomes a status.profiles entry, and the Profiled condition from all of that.

import type { ModelSession, ModelSessionStatusProfile } from '../../contract/crd-types.generated.ts';
import type { ConditionInput } from '../api/status.ts';

export type StatusProfile = ModelSessionStatusProfile;

/** Where profiling stands for the products that still need a profile. */
export interface ProfilingProgress {
  running: string[];
  failed: { gpuProduct: string; message: string }[];
}

/** Measured profiles for the current model, and the progress of the profiling Jobs. */
export interface ProfilingOutcome {
  profiles: StatusProfile[];
  progress: ProfilingProgress;
}

function measuredFor(p: StatusProfile, session: ModelSession): boolean {
  const { uri, sha256 } = session.spec.model;
  return (
    p.model?.uri === uri &&
    (p.model.sha256 ?? '') === (sha256 ?? '') &&
    p.executionProvider === session.spec.executionProvider
  );
}

/** status.profiles measured for the session's current model and provider; the rest is stale. */
export function currentProfiles(session: ModelSession): StatusProfile[] {
  return (session.status?.profiles ?? []).filter((p) => measuredFor(p, session));
}

/** Why the cluster cannot profile this model itself (the runtime opens file:// models only). */
export function unprofilable(session: ModelSession): string | undefined {
  return session.spec.model.uri.startsWith('file:///')
    ? undefined
    : `only file:// models are profiled in the cluster; add spec.profiles or run \`vpo profile\``;
}

/** GPU products of the cluster with no profile in spec.profiles nor a current measured one. */
export function productsToProfile(
  session: ModelSession,
  profiles: StatusProfile[],
  clusterProducts: string[],
): string[] {
  const have = new Set(
    [...(session.spec.profiles ?? []), ...profiles]
      .filter((p) => p.points.length > 0)
      .map((p) => p.gpuProduct),
  );
  return [...new Set(clusterProducts)].filter((p) => !have.has(p)).sort();
}

/** Adds (or replaces) the profile of one product; sorted by product so status is stable. */
export function mergeProfile(profiles: StatusProfile[], entry: StatusProfile): StatusProfile[] {
  return [...profiles.filter((p) => p.gpuProduct !== entry.gpuProduct), entry].sort((a, b) =>
    a.gpuProduct < b.gpuProduct ? -1 : a.gpuProduct > b.gpuProduct ? 1 : 0,
  );
}

const positiveInt = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 1;

/**
 * A `vpo profile --result-file` JSON entry -> a status.profiles entry recorded against the
 * product the Job was pinned to (the node's label, whatever name the device reports).
 */
export function profileFromResult(
  text: string | undefined,
  session: ModelSession,
  gpuProduct: string,
  measuredAt: string,
): { ok: true; profile: StatusProfile } | { ok: false; message: string } {
  if (!text?.trim()) return { ok: false, message: 'the profiling pod left no result' };
  let doc: { points?: unknown };
  try {
    doc = JSON.parse(text) as { points?: unknown };
  } catch {
    return { ok: false, message: `the profiling result is not JSON: ${text.slice(0, 200)}` };
  }
  const points = Array.isArray(doc?.points) ? (doc.points as Record<string, unknown>[]) : [];
  const valid = points.every(
    (p) =>
      positiveInt(p?.batchSize) &&
      positiveInt(p?.latencyMicros) &&
      (p.memoryMiB === undefined || (Number.isInteger(p.memoryMiB) && (p.memoryMiB as number) >= 0)),
  );
  if (points.length === 0 || !valid)
    return { ok: false, message: `the profiling result has no valid points: ${text.slice(0, 200)}` };
  const { uri, sha256 } = session.spec.model;
  return {
    ok: true,
    profile: {
      gpuProduct,
      measuredAt,
      model: { uri, ...(sha256 ? { sha256 } : {}) },
      executionProvider: session.spec.executionProvider,
      points: points.map((p) => ({
        batchSize: p.batchSize as number,
        latencyMicros: p.latencyMicros as number,
        ...(p.memoryMiB !== undefined ? { memoryMiB: p.memoryMiB as number } : {}),
      })),
    },
  };
}

function progressText(progress: ProfilingProgress): string[] {
  return [
    ...progress.failed.map((f) => `profiling on ${f.gpuProduct} failed: ${f.message}`),
    ...(progress.running.length > 0 ? [`profiling on ${progress.running.join(', ')}`] : []),
  ];
}

/**
 * Profiled: True when a profile (given or measured) exists for a product the cluster has;
 * otherwise ProfilingFailed, Profiling or NoProfile, in that order. Work on other products is
 * named in the message either way.
 */
export function profiledCondition(
  session: ModelSession,
  profiles: StatusProfile[],
  clusterProducts: string[],
  progress: ProfilingProgress,
): ConditionInput {
  const gen = session.metadata.generation;
  const g = gen !== undefined ? { observedGeneration: gen } : {};
  const all = [...(session.spec.profiles ?? []), ...profiles].filter((p) => p.points.length > 0);
  const products = [...new Set(all.map((p) => p.gpuProduct))].sort();
  const matching = products.filter((p) => clusterProducts.includes(p));
  const work = progressText(progress);
  if (matching.length > 0) {
    const message = [`profiles for ${matching.join(', ')}`, ...work].join('; ');
    return { type: 'Profiled', status: 'True', reason: 'Profiled', message, ...g };
  }
  const status = 'False' as const;
  if (progress.failed.length > 0)
    return { type: 'Profiled', status, reason: 'ProfilingFailed', message: work.join('; '), ...g };
  if (progress.running.length > 0)
    return { type: 'Profiled', status, reason: 'Profiling', message: work.join('; '), ...g };
  const message =
    products.length === 0
      ? 'no profile: run `vpo profile` or add spec.profiles'
      : `profiles for ${products.join(', ')}, none of the cluster's GPU products (${clusterProducts.join(', ') || 'none'})`;
  return { type: 'Profiled', status, reason: 'NoProfile', message, ...g };
}
