// What a backend group's runtime config says its device loop should run with (pure): the duty
// cycle, and per hosted session its batch cap, queue bound, queueing cap and late policy. Used when
// a backend starts and again when a re-plan reaches a running pod (plan-reload.ts).
import type { RuntimeBackend, RuntimeConfig } from '../../contract/runtime-config.ts';
import type { BackendSettings } from '../backend/backend.ts';

export function backendSettings(config: RuntimeConfig, group: RuntimeBackend): BackendSettings {
  const sessions: BackendSettings['sessions'] = {};
  for (const hosted of group.sessions) {
    const stage = config.stages.find((s) => s.name === hosted.stage);
    sessions[hosted.stage] = {
      plannedBatch: Math.max(1, hosted.batchSize),
      queueCapacity: config.limits.queueCapacity,
      latePolicy: config.latency.latePolicy,
      ...(stage?.maxQueueDelayMs !== undefined ? { maxQueueDelayMs: stage.maxQueueDelayMs } : {}),
    };
  }
  return { dutyCycleMs: group.dutyCycleMicros / 1000, sessions };
}

/**
 * One planned group's settings across the pipelines it hosts (a shared group): the duty cycle and
 * occupancy the group has in every config, and each pipeline's sessions under `keyOf`'s key.
 * Undefined when no config lists the group.
 */
export function groupSettings(
  configs: readonly RuntimeConfig[],
  name: string,
  keyOf: (config: RuntimeConfig, stage: string) => string,
): { settings: BackendSettings; occupancy: number } | undefined {
  let found: { settings: BackendSettings; occupancy: number } | undefined;
  for (const config of configs) {
    const group = config.backends.find((b) => b.name === name);
    if (!group) continue;
    const one = backendSettings(config, group);
    const sessions = Object.fromEntries(
      Object.entries(one.sessions).map(([stage, s]) => [keyOf(config, stage), s]),
    );
    found = {
      settings: { dutyCycleMs: one.dutyCycleMs, sessions: { ...found?.settings.sessions, ...sessions } },
      occupancy: group.occupancy,
    };
  }
  return found;
}
