// What a running pod does with a re-read runtime file (pure): take it live when only the live
// settings changed (contract/live-settings.ts: batch sizes, duty cycles, rates, budgets,
// deadlines, generation), or keep running what it has and say that it needs a new pod when its
// structure changed (the operator rolls such pods: their template carries the structure digest).
import { stableJson, structuralView } from '../../contract/live-settings.ts';
import type { RuntimeFile } from '../../contract/runtime-file.ts';

export type ReloadDecision =
  | { action: 'apply'; file: RuntimeFile }
  /** Nothing this pod runs changed (e.g. only another group's settings did). */
  | { action: 'same'; file: RuntimeFile }
  | { action: 'restart'; reason: string };

/** Top-level parts of two structural views that differ, as dotted paths (for the log). */
function differences(a: unknown, b: unknown, path: string, depth: number): string[] {
  if (stableJson(a) === stableJson(b)) return [];
  if (depth === 0 || !a || !b || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a))
    return [path];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((k) =>
    differences(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
      path ? `${path}.${k}` : k,
      depth - 1,
    ),
  );
}

/**
 * `builtFrom` is the file the pod started with: a pod runs any file whose pipelines it was built
 * for, unchanged in structure. A pipeline that leaves a shared group's file is let go (its consumers
 * go idle; the operator keeps the pods' digest, contract/live-settings.ts keptStructure), and the
 * same pipeline coming back finds them still there.
 */
export function reloadDecision(
  current: RuntimeFile,
  next: RuntimeFile,
  backend: string | undefined,
  builtFrom: RuntimeFile = current,
): ReloadDecision {
  const before = structuralView(builtFrom, backend);
  const after = structuralView(next, backend);
  const kept = Object.fromEntries(Object.keys(after.pipelines).map((name) => [name, before.pipelines[name]]));
  const changed = [
    ...differences(before.shared, after.shared, '', 2),
    ...Object.keys(after.pipelines).flatMap((name) =>
      differences(kept[name], after.pipelines[name], `pipelines.${name}`, 2),
    ),
  ];
  if (changed.length > 0) {
    const gone = backend !== undefined && !next.runtime.backends.some((b) => b.name === backend);
    return {
      action: 'restart',
      reason: gone
        ? `backend group ${backend} is no longer in the plan`
        : `the runtime file changed what this pod was built from (${changed.join(', ')})`,
    };
  }
  return stableJson(current) === stableJson(next)
    ? { action: 'same', file: next }
    : { action: 'apply', file: next };
}
