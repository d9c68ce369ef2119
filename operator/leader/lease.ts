// Leader election on a coordination.k8s.io/v1 Lease, the client-go way: the holder renews
// renewTime every renewMs; another replica takes over when it has seen no change of the lease for
// leaseDurationMs (measured on its own clock, so clock skew between replicas does not matter).
// Writes are compare-and-swap on resourceVersion. Release hands over at once on shutdown.
import type { Clock } from '../clock.ts';
import { isConflict } from '../kube/errors.ts';
import { collectionPath, LEASES, objectPath } from '../kube/paths.ts';
import type { KubeApi, KubeObject } from '../kube/types.ts';
import type { Logger } from '../logger.ts';

export interface LeaseOptions {
  api: KubeApi;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewMs: number;
  clock: Clock;
  logger: Logger;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** MicroTime: RFC 3339 with six fractional digits. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export interface LeaderElector {
  /** Resolves true once this replica leads; false when stopped first. */
  acquire(): Promise<boolean>;
  /** Renews until stopped or lost; calls onLost when another replica took the lease or renewing failed too long. */
  keepRenewing(onLost: () => void): void;
  isLeader(): boolean;
  /** Stops trying and, when leading, releases the lease so a standby takes over at once. */
  release(): Promise<void>;
}

export function createLeaderElector(o: LeaseOptions): LeaderElector {
  const path = objectPath(LEASES, o.namespace, o.name);
  let leading = false;
  let stopped = false;
  let observed: { key: string; atMs: number } | undefined;
  let cancelTimer: () => void = () => {};
  let wake: () => void = () => {};
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      cancelTimer = o.clock.setTimer(ms, resolve);
      wake = () => {
        cancelTimer();
        resolve();
      };
    });

  const spec = (previous: LeaseSpec | undefined): LeaseSpec => {
    const now = microTime(o.clock.nowMs());
    const changed = previous?.holderIdentity !== o.identity;
    return {
      holderIdentity: o.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(o.leaseDurationMs / 1000)),
      acquireTime: changed ? now : (previous?.acquireTime ?? now),
      renewTime: now,
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (changed && previous ? 1 : 0),
    };
  };

  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const lease = await o.api.get(path);
    if (!lease) {
      try {
        await o.api.create(collectionPath(LEASES, o.namespace), {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: o.name, namespace: o.namespace },
          spec: spec(undefined),
        });
        return true;
      } catch (err) {
        if (isConflict(err)) return false;
        throw err;
      }
    }
    const current = (lease.spec ?? {}) as LeaseSpec;
    const key = `${current.holderIdentity}|${current.renewTime}`;
    const now = o.clock.nowMs();
    if (!observed || observed.key !== key) observed = { key, atMs: now };
    const held = current.holderIdentity && current.holderIdentity !== o.identity;
    if (held && now - observed.atMs < (current.leaseDurationSeconds ?? 15) * 1000) return false;
    try {
      await o.api.replace(path, { ...lease, spec: spec(current) } as KubeObject);
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  };

  const attempt = async (): Promise<boolean> =>
    tryAcquireOrRenew().catch((err: Error) => {
      o.logger.warn(`lease ${o.namespace}/${o.name}: ${err.message}`);
      return false;
    });

  return {
    async acquire() {
      while (!stopped) {
        if (await attempt()) {
          leading = true;
          o.logger.info(`lease ${o.namespace}/${o.name}: ${o.identity} leads`);
          return true;
        }
        await sleep(o.renewMs);
      }
      return false;
    },
    keepRenewing(onLost) {
      const loop = async () => {
        let lastRenewMs = o.clock.nowMs();
        while (!stopped && leading) {
          await sleep(o.renewMs);
          if (stopped) return;
          if (await attempt()) {
            lastRenewMs = o.clock.nowMs();
          } else if (o.clock.nowMs() - lastRenewMs >= o.leaseDurationMs) {
            leading = false;
            o.logger.error(`lease ${o.namespace}/${o.name}: leadership lost`);
            onLost();
          }
        }
      };
      void loop();
    },
    isLeader: () => leading,
    async release() {
      stopped = true;
      wake();
      if (!leading) return;
      leading = false;
      const lease = await o.api.get(path).catch(() => undefined);
      const current = (lease?.spec ?? {}) as LeaseSpec;
      if (!lease || current.holderIdentity !== o.identity) return;
      await o.api
        .replace(path, {
          ...lease,
          spec: {
            ...current,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            renewTime: microTime(o.clock.nowMs()),
          },
        })
        .catch((err: Error) => o.logger.warn(`releasing lease: ${err.message}`));
    },
  };
}
