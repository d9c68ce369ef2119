// Profiling of one ModelSession (called by the session reconciler): one Job per GPU product of the
// cluster that has no profile, named deterministically (a product is never profiled twice at once;
// a changed model or provider names a new Job), its result read from the finished pod's
// termination message, Jobs of a stale model deleted. The Job informer wakes the session when a
// Job changes, so nothing here polls.
import type { ModelSession } from '../../contract/crd-types.generated.ts';
import { isConflict } from '../kube/errors.ts';
import { collectionPath, JOBS, objectPath, PODS } from '../kube/paths.ts';
import type { KubeApi, KubeObject } from '../kube/types.ts';
import { profileJob, profileJobName } from '../render/profile-job.ts';
import type { ReconcileContext } from './context.ts';
import {
  currentProfiles,
  mergeProfile,
  type ProfilingOutcome,
  type ProfilingProgress,
  productsToProfile,
  profileFromResult,
  unprofilable,
} from './profile-status.ts';
import { modelProblem } from './session-status.ts';

type JobState =
  | { phase: 'running' }
  | { phase: 'complete'; at?: string }
  | { phase: 'failed'; message: string };

interface JobCondition {
  type?: string;
  status?: string;
  message?: string;
  lastTransitionTime?: string;
}

export function jobState(job: KubeObject): JobState {
  const status = job.status as { conditions?: JobCondition[]; completionTime?: string } | undefined;
  const isTrue = (type: string) => status?.conditions?.find((c) => c.type === type && c.status === 'True');
  const failed = isTrue('Failed');
  if (failed) return { phase: 'failed', message: failed.message ?? 'the profiling Job failed' };
  if (isTrue('Complete'))
    return { phase: 'complete', ...(status?.completionTime ? { at: status.completionTime } : {}) };
  return { phase: 'running' };
}

interface TerminatedState {
  message?: string;
  finishedAt?: string;
}

/** The termination message of the Job's latest pod in the given phase (Succeeded or Failed). */
async function resultOf(api: KubeApi, namespace: string, job: string, phase: string) {
  const selector = encodeURIComponent(`batch.kubernetes.io/job-name=${job}`);
  const pods = await api.list(`${collectionPath(PODS, namespace)}?labelSelector=${selector}`);
  const terminated = pods.items
    .filter((p) => (p.status as { phase?: string } | undefined)?.phase === phase)
    .map((p) => {
      const statuses = (p.status as { containerStatuses?: { state?: { terminated?: TerminatedState } }[] })
        .containerStatuses;
      return statuses?.[0]?.state?.terminated ?? {};
    })
    .sort((a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? ''));
  return terminated.at(-1)?.message;
}

function ownedJobs(jobs: ReadonlyMap<string, KubeObject>, session: ModelSession): Map<string, KubeObject> {
  const ns = session.metadata.namespace ?? 'default';
  const owned = new Map<string, KubeObject>();
  for (const job of jobs.values()) {
    const refs = (job.metadata.ownerReferences ?? []) as { uid?: string; kind?: string }[];
    if (
      job.metadata.namespace === ns &&
      refs.some((r) => r.kind === 'ModelSession' && r.uid === session.metadata.uid)
    )
      owned.set(job.metadata.name, job);
  }
  return owned;
}

async function createJob(ctx: ReconcileContext, session: ModelSession, gpuProduct: string) {
  const job = profileJob(session, gpuProduct, ctx.render);
  const ns = job.metadata.namespace;
  try {
    await ctx.api.create(collectionPath(JOBS, ns), job);
  } catch (err) {
    if (isConflict(err)) return; // created by a previous round the cache has not seen yet
    throw new Error(`create Job ${ns}/${job.metadata.name}: ${(err as Error).message}`, { cause: err });
  }
  ctx.logger.info(`profiling ModelSession ${ns}/${session.metadata.name} on ${gpuProduct}`, {
    job: job.metadata.name,
  });
}

export async function reconcileProfiling(
  ctx: ReconcileContext,
  session: ModelSession,
  clusterProducts: string[],
): Promise<ProfilingOutcome> {
  let profiles = currentProfiles(session);
  const progress: ProfilingProgress = { running: [], failed: [] };
  const ns = session.metadata.namespace ?? 'default';
  const owned = ownedJobs(ctx.caches.jobs, session);
  if (modelProblem(session)) return { profiles, progress }; // Ready=False InvalidModel says why
  const why = unprofilable(session);
  for (const product of productsToProfile(session, profiles, clusterProducts)) {
    if (why) {
      progress.failed.push({ gpuProduct: product, message: why });
      continue;
    }
    const name = profileJobName(session, product);
    const job = owned.get(name);
    if (!job) {
      await createJob(ctx, session, product);
      progress.running.push(product);
      continue;
    }
    const state = jobState(job);
    if (state.phase === 'running') progress.running.push(product);
    else if (state.phase === 'failed') {
      const message = (await resultOf(ctx.api, ns, name, 'Failed'))?.trim();
      progress.failed.push({ gpuProduct: product, message: message || state.message });
    } else {
      const text = await resultOf(ctx.api, ns, name, 'Succeeded');
      const at = state.at ?? new Date(ctx.clock.nowMs()).toISOString();
      const result = profileFromResult(text, session, product, at);
      if (result.ok) profiles = mergeProfile(profiles, result.profile);
      else progress.failed.push({ gpuProduct: product, message: result.message });
    }
  }
  // Jobs for another model or provider, or for a product the cluster no longer has, are stale.
  const wanted = new Set(clusterProducts.map((p) => profileJobName(session, p)));
  for (const name of owned.keys()) {
    if (!wanted.has(name)) await ctx.api.delete(objectPath(JOBS, ns, name));
  }
  return { profiles, progress };
}
