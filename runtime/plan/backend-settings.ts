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
