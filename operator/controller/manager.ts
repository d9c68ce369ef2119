// Wires informers to one work queue and the reconcilers: keys are `Kind:namespace/name` (and
// `Namespace:namespace` for a namespace's plan: its pipelines are planned together), a few
// workers take them (one in flight per key), failures back off per key, results requeue. stop()
// stops the watches, lets in-flight reconciles finish, then returns.
import { collectionPath, DEPLOYMENTS, JOBS, NODES, PIPELINES, SESSIONS } from '../kube/paths.ts';
import type { KubeObject } from '../kube/types.ts';
import type { ReconcileContext, ReconcileResult } from '../reconcile/context.ts';
import { reconcileNamespace } from '../reconcile/namespace-reconcile.ts';
import { reconcilePipeline } from '../reconcile/pipeline.ts';
import { reconcileSession } from '../reconcile/session.ts';
import { LABELS, MANAGED_BY } from '../render/names.ts';
import { type ChangeType, type Informer, keyOf, startInformer } from './informer.ts';
import { createWorkQueue } from './queue.ts';
import { createSessionIndex } from './session-index.ts';
import { nodeChangeMatters, ownerPipelineKeys, ownerSessionKey, pipelineNeedsReconcile } from './triggers.ts';

export interface ManagerOptions {
  namespace: string | undefined;
  workers: number;
  resyncMs: number;
}

export interface Manager {
  synced: Promise<void>;
  isSynced(): boolean;
  stop(): Promise<void>;
}

type Kind = 'VideoPipeline' | 'ModelSession' | 'Namespace';

export function startManager(
  base: Omit<ReconcileContext, 'caches' | 'enqueuePipelines' | 'enqueueNamespaces'>,
  options: ManagerOptions,
): Manager {
  const { clock, logger, metrics } = base;
  const queue = createWorkQueue(clock, { baseBackoffMs: 500, maxBackoffMs: 60_000 });
  const index = createSessionIndex();
  const pipelineKeys = new Set<string>();
  const sessionKeys = new Set<string>();
  const add = (kind: Kind, key: string) => {
    queue.add(`${kind}:${key}`);
    metrics.queueDepth.set({ kind: 'all' }, queue.depth());
  };
  const addPipelines = (keys: Iterable<string>) => {
    for (const k of keys) add('VideoPipeline', k);
  };
  const addNamespaces = (namespaces: Iterable<string>) => {
    for (const n of namespaces) add('Namespace', n);
  };
  const namespaceOf = (key: string) => key.split('/')[0]!;
  const informer = (
    path: string,
    onChange: (o: KubeObject, t: ChangeType, p: KubeObject | undefined) => void,
  ) => startInformer({ api: base.api, path, clock, logger, resyncMs: options.resyncMs, onChange });
  const ns = options.namespace;
  const informers: Record<'pipelines' | 'sessions' | 'nodes' | 'deployments' | 'jobs', Informer> = {
    pipelines: informer(collectionPath(PIPELINES, ns), (obj, type, previous) => {
      const key = keyOf(obj);
      index.update(key, type === 'delete' ? undefined : obj);
      if (type === 'delete') pipelineKeys.delete(key);
      else pipelineKeys.add(key);
      if (type === 'delete' || pipelineNeedsReconcile(obj, previous)) {
        add('VideoPipeline', key);
        add('Namespace', namespaceOf(key));
      }
    }),
    sessions: informer(collectionPath(SESSIONS, ns), (obj, type, previous) => {
      const key = keyOf(obj);
      if (type === 'delete') sessionKeys.delete(key);
      else sessionKeys.add(key);
      if (type === 'upsert') add('ModelSession', key);
      // Status-only updates (our own) change nothing the planner reads but status.profiles.
      const specChanged =
        !previous ||
        type === 'delete' ||
        previous.metadata.generation !== obj.metadata.generation ||
        JSON.stringify((previous.status as { profiles?: unknown })?.profiles) !==
          JSON.stringify((obj.status as { profiles?: unknown })?.profiles);
      if (specChanged) {
        addPipelines(index.pipelinesOf(key));
        add('Namespace', namespaceOf(key));
      }
    }),
    nodes: informer(collectionPath(NODES), (obj, type, previous) => {
      if (!nodeChangeMatters(obj, previous, type === 'delete')) return;
      addNamespaces(new Set([...pipelineKeys].map(namespaceOf)));
      for (const k of sessionKeys) add('ModelSession', k);
    }),
    deployments: informer(
      `${collectionPath(DEPLOYMENTS, ns)}?labelSelector=${encodeURIComponent(`${LABELS.managedBy}=${MANAGED_BY}`)}`,
      (obj, type, previous) => {
        // A backend group may serve several pipelines: each of its owners reads its availability.
        const owners = ownerPipelineKeys(obj);
        const avail = (o: KubeObject | undefined) => JSON.stringify([o?.metadata.generation, o?.status]);
        if (type === 'delete' || avail(obj) !== avail(previous)) addPipelines(owners);
      },
    ),
    // Profiling Jobs (additive): a Job that finishes or goes wakes the session that owns it.
    jobs: informer(
      `${collectionPath(JOBS, ns)}?labelSelector=${encodeURIComponent(`${LABELS.managedBy}=${MANAGED_BY},${LABELS.role}=profile`)}`,
      (obj, type, previous) => {
        const owner = ownerSessionKey(obj);
        if (owner && (type === 'delete' || JSON.stringify(obj.status) !== JSON.stringify(previous?.status)))
          add('ModelSession', owner);
      },
    ),
  };
  const ctx: ReconcileContext = {
    ...base,
    caches: {
      pipelines: informers.pipelines.cache,
      sessions: informers.sessions.cache,
      nodes: informers.nodes.cache,
      jobs: informers.jobs.cache,
      deployments: informers.deployments.cache,
    },
    enqueuePipelines: addPipelines,
    enqueueNamespaces: addNamespaces,
  };

  const reconcile = (kind: Kind, key: string): Promise<ReconcileResult> =>
    kind === 'VideoPipeline'
      ? reconcilePipeline(ctx, key)
      : kind === 'Namespace'
        ? reconcileNamespace(ctx, key)
        : reconcileSession(ctx, key);

  const worker = async () => {
    for (;;) {
      const item = await queue.next();
      if (item === undefined) return;
      const [kind, key] = item.split(/:(.*)/s) as [Kind, string];
      const started = clock.nowMs();
      try {
        const result = await reconcile(kind, key);
        queue.forget(item);
        metrics.reconciles.inc({ kind, result: 'success' });
        if (result.requeueAfterMs !== undefined) queue.addAfter(item, result.requeueAfterMs);
      } catch (err) {
        queue.fail(item);
        metrics.reconciles.inc({ kind, result: 'error' });
        const cause =
          (err as Error).cause instanceof Error ? `: ${((err as Error).cause as Error).message}` : '';
        logger.error(`reconcile ${kind} ${key}: ${(err as Error).message}${cause}`);
      } finally {
        metrics.reconcileSeconds.observe({ kind }, (clock.nowMs() - started) / 1000);
        queue.done(item);
        metrics.queueDepth.set({ kind: 'all' }, queue.depth());
      }
    }
  };

  const all = Object.values(informers);
  // Reconcile only once every cache is filled, so no pipeline plans against half an inventory.
  let isSynced = false;
  let stopping = false;
  const synced = Promise.all(all.map((i) => i.synced)).then(() => {
    isSynced = true;
  });
  const workers = synced.then(() =>
    stopping ? [] : Promise.all(Array.from({ length: options.workers }, worker)),
  );
  return {
    synced,
    isSynced: () => isSynced,
    async stop() {
      stopping = true;
      await Promise.all(all.map((i) => i.stop()));
      queue.shutDown();
      // Workers exit after their in-flight reconcile: shutDown releases the idle ones.
      if (isSynced) await workers;
    },
  };
}
