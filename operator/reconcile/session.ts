// Reconciles one ModelSession by key: profile it on the cluster's GPU products that have no
// profile (profiling.ts), check that its model can be fetched and opened (models/model-check.ts),
// validate (pure) and write Ready/Profiled/profiles when they change.
// Pipelines that reference the session are re-planned by the manager (sessions are indexed).

import { isDeepStrictEqual } from 'node:util';
import { asModelSession } from '../api/objects.ts';
import { inventoryFromNodes } from '../api/to-planner.ts';
import { objectPath, SESSIONS, statusPath } from '../kube/paths.ts';
import type { ReconcileContext, ReconcileResult } from './context.ts';
import { reconcileProfiling } from './profiling.ts';
import { modelProblem, sessionStatus } from './session-status.ts';

export async function reconcileSession(ctx: ReconcileContext, key: string): Promise<ReconcileResult> {
  const [namespace, name] = key.split('/') as [string, string];
  const obj = await ctx.api.get(objectPath(SESSIONS, namespace, name));
  if (!obj || obj.metadata.deletionTimestamp) return {};
  const session = asModelSession(obj);
  const products = [
    ...new Set(inventoryFromNodes([...ctx.caches.nodes.values()]).map((n) => n.product)),
  ].sort();
  // Profiling Jobs for products without a profile (additive: the status takes their outcome).
  const profiling = await reconcileProfiling(ctx, session, products);
  // Fetch and open the model where the operator can (s3://, http(s)://); cached per uri and sha256.
  const modelCheck = modelProblem(session) ? undefined : await ctx.models?.check(session.spec.model);
  const status = sessionStatus(
    session,
    products,
    new Date(ctx.clock.nowMs()).toISOString(),
    profiling,
    modelCheck,
  );
  if (!isDeepStrictEqual(status, session.status)) {
    await ctx.api.mergePatch(statusPath(SESSIONS, namespace, name), { status });
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    const was = session.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready && ready.status === 'False' && (was?.status !== 'False' || was.reason !== ready.reason)) {
      await ctx.events.record(obj, 'Warning', ready.reason, ready.message);
    }
  }
  // A model that could not be fetched or opened is checked again later (it may be uploaded yet).
  return modelCheck && !modelCheck.ok ? { requeueAfterMs: 60_000 } : {};
}
