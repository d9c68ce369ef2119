// List + watch with restart: keeps a cache of one resource type and tells the controller which
// objects changed. A watch that ends is resumed from the last resourceVersion; one that fails or
// expires (410 Gone) backs off and re-lists. A periodic resync re-lists even when nothing
// happened, so a missed event cannot leave an object unreconciled for long.

import type { Clock } from '../clock.ts';
import type { KubeApi, KubeObject } from '../kube/types.ts';
import type { Logger } from '../logger.ts';

export type ChangeType = 'upsert' | 'delete';

export interface InformerOptions {
  api: KubeApi;
  /** Collection path (all namespaces or one). */
  path: string;
  clock: Clock;
  logger: Logger;
  resyncMs: number;
  /** Called for every object on each (re)list and for every watch event. */
  onChange(obj: KubeObject, type: ChangeType, previous: KubeObject | undefined): void;
  maxBackoffMs?: number;
}

export interface Informer {
  /** Objects by `namespace/name` (or `name` for cluster-scoped ones). */
  readonly cache: ReadonlyMap<string, KubeObject>;
  /** Resolves after the first successful list. */
  readonly synced: Promise<void>;
  stop(): Promise<void>;
}

export const keyOf = (obj: { metadata: { namespace?: string; name: string } }): string =>
  obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;

export function startInformer(options: InformerOptions): Informer {
  const { api, path, clock, logger } = options;
  const cache = new Map<string, KubeObject>();
  let stopped = false;
  let current: { stop(): void } | undefined;
  let wake: (() => void) | undefined;
  let markSynced: () => void = () => {};
  const synced = new Promise<void>((resolve) => {
    markSynced = resolve;
  });
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const cancel = clock.setTimer(ms, resolve);
      wake = () => {
        cancel();
        resolve();
      };
    });

  const relist = async (): Promise<string> => {
    const list = await api.list(path);
    const seen = new Set<string>();
    for (const item of list.items) {
      const key = keyOf(item);
      seen.add(key);
      const previous = cache.get(key);
      cache.set(key, item);
      options.onChange(item, 'upsert', previous);
    }
    for (const [key, obj] of [...cache]) {
      if (!seen.has(key)) {
        cache.delete(key);
        options.onChange(obj, 'delete', obj);
      }
    }
    markSynced();
    return list.metadata.resourceVersion;
  };

  const watchUntilEnd = async (resourceVersion: string, untilMs: number): Promise<string | undefined> => {
    let rv = resourceVersion;
    while (!stopped && clock.nowMs() < untilMs) {
      let expired = false;
      const handle = api.watch(path, rv, (event) => {
        if (event.type === 'ERROR') {
          expired = true; // 410 Gone and friends: the caller re-lists
          return;
        }
        const obj = event.object;
        if (obj.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
        if (event.type === 'BOOKMARK') return;
        const key = keyOf(obj);
        const previous = cache.get(key);
        if (event.type === 'DELETED') {
          cache.delete(key);
          options.onChange(obj, 'delete', previous);
        } else {
          cache.set(key, obj);
          options.onChange(obj, 'upsert', previous);
        }
      });
      current = handle;
      const resync = clock.setTimer(Math.max(0, untilMs - clock.nowMs()), () => handle.stop());
      try {
        await handle.done;
      } finally {
        resync();
        current = undefined;
      }
      if (expired) return undefined;
    }
    return rv;
  };

  const loop = async () => {
    let failures = 0;
    while (!stopped) {
      try {
        const rv = await relist();
        failures = 0;
        await watchUntilEnd(rv, clock.nowMs() + options.resyncMs);
      } catch (err) {
        if (stopped) break;
        failures++;
        const backoffMs = Math.min(options.maxBackoffMs ?? 30_000, 200 * 2 ** Math.min(failures, 10));
        logger.warn(`informer ${path}: ${(err as Error).message}; retrying in ${backoffMs} ms`);
        await sleep(backoffMs);
      }
    }
  };
  const running = loop();

  return {
    cache,
    synced,
    async stop() {
      stopped = true;
      current?.stop();
      wake?.();
      await running;
    },
  };
}
