// Pipelines indexed by the sessions they reference, so a session change re-plans exactly those.
import type { KubeObject } from '../kube/types.ts';
import { sessionKeysOf } from './triggers.ts';

export interface SessionIndex {
  update(pipelineKey: string, pipeline: KubeObject | undefined): void;
  pipelinesOf(sessionKey: string): string[];
}

export function createSessionIndex(): SessionIndex {
  const bySession = new Map<string, Set<string>>();
  const byPipeline = new Map<string, string[]>();
  return {
    update(pipelineKey, pipeline) {
      for (const s of byPipeline.get(pipelineKey) ?? []) bySession.get(s)?.delete(pipelineKey);
      const sessions = pipeline ? sessionKeysOf(pipeline) : [];
      byPipeline.set(pipelineKey, sessions);
      if (!pipeline) byPipeline.delete(pipelineKey);
      for (const s of sessions) bySession.set(s, (bySession.get(s) ?? new Set()).add(pipelineKey));
    },
    pipelinesOf: (sessionKey) => [...(bySession.get(sessionKey) ?? [])].sort(),
  };
}
