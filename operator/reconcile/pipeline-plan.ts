// What a pipeline reconcile reads from the namespace's plan (namespace-reconcile.ts makes it):
// the pipeline's outcome, and whether the plan is stale for it (its spec generation or its
// planning rate moved since), in which case the namespace is asked to plan again.
import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';
import { isModelSession } from '../api/objects.ts';
import { targetVideosPerSecond } from '../api/to-planner.ts';
import type { Caches, NamespaceState, Planned } from './context.ts';

export type { Planned };

export function sessionsOf(caches: Caches, namespace: string): ModelSession[] {
  return [...caches.sessions.values()]
    .filter((s) => (s.metadata.namespace ?? 'default') === namespace)
    .filter(isModelSession)
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

/** This pipeline's part of the namespace plan, and whether the plan was made for its current inputs. */
export function plannedFor(
  state: NamespaceState | undefined,
  pipeline: VideoPipeline,
  rateVps: number,
): { planned: Planned | undefined; current: boolean } {
  const name = pipeline.metadata.name;
  const input = state?.inputs.get(name);
  const current =
    input !== undefined && input.generation === pipeline.metadata.generation && input.rateVps === rateVps;
  return { planned: state?.outcomes.get(name), current };
}

export { targetVideosPerSecond };
