// Kubernetes Events (core/v1) on plan changes and failures, so `kubectl describe` tells the
// story. Recording an event never fails a reconcile: errors are logged.
import type { Clock } from '../clock.ts';
import { collectionPath, EVENTS } from '../kube/paths.ts';
import type { KubeApi, KubeObject } from '../kube/types.ts';
import type { Logger } from '../logger.ts';

export interface EventRecorder {
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

export function createEventRecorder(
  api: KubeApi,
  clock: Clock,
  logger: Logger,
  instance: string,
): EventRecorder {
  return {
    async record(obj, type, reason, message) {
      const namespace = obj.metadata.namespace ?? 'default';
      const now = new Date(clock.nowMs()).toISOString();
      try {
        await api.create(collectionPath(EVENTS, namespace), {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { generateName: `${obj.metadata.name}.`, namespace },
          involvedObject: {
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            name: obj.metadata.name,
            namespace,
            uid: obj.metadata.uid,
            resourceVersion: obj.metadata.resourceVersion,
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: 'vpo-operator' },
          reportingComponent: 'vpo-operator',
          reportingInstance: instance,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        });
      } catch (err) {
        logger.warn(
          `event ${reason} on ${obj.kind} ${namespace}/${obj.metadata.name}: ${(err as Error).message}`,
        );
      }
    },
  };
}
