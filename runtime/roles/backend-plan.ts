// The plan a backend pod runs, and how it follows re-plans: it holds the current runtime file,
// says what the pod's consumers declare to their groups (pod, backend group, planned rate per
// stage, plan generation: rate-assignor.ts), and, when the mounted file changes, either retunes
// the running pod (new batch caps, duty cycle, deadlines, rates; consumers rejoin so partitions
// follow the new rates) or, when the pod's structure changed, keeps its settings, logs why and
// counts it (the operator rolls such pods). Every outcome is in vpo_plan_reloads_total, and the
// generation the pod runs in vpo_plan_generation: no pod runs a stale plan silently. A shared
// group's file carries several pipelines (contract/runtime-file.ts filePipelines): each topic is
// declared with its own pipeline's group settings, and a pipeline leaving the file is let go.
import type { MemberDeclaration } from '../../contract/member-metadata.ts';
import type { RuntimeBackend, RuntimeConfig } from '../../contract/runtime-config.ts';
import { filePipelines, type RuntimeFile } from '../../contract/runtime-file.ts';
import type { Logger } from '../logger.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import { reloadDecision } from '../plan/plan-reload.ts';
import { type PlanWatcher, watchRuntimeFile } from '../plan/plan-watcher.ts';

export interface BackendPlanOptions {
  /** The planned backend group this pod belongs to (`--backend`); undefined for `--stages`. */
  backend: string | undefined;
  /** The config this pod's own stage workers see of one pipeline: its stages, one backend group. */
  hosted(config: RuntimeConfig): RuntimeConfig;
  /** Consumer-group identity of this process (its consumers of one stage share the pod's rate). */
  podId: string;
  metrics: RuntimeMetrics;
  logger: Logger;
}

export interface PlanSource {
  path: string;
  /** The text the pod started from. */
  initialText: string;
  /** What the CLI changed in the file it started from (e.g. --frame-store), done to every re-read. */
  adjust(file: RuntimeFile): RuntimeFile;
  pollMs?: number;
}

export class BackendPlan {
  #file: RuntimeFile;
  /** The file this pod was built from: what later files must match in structure. */
  readonly #builtFrom: RuntimeFile;
  /** Per hosted pipeline (by name), the group as this pod runs it. */
  #groups = new Map<string, RuntimeBackend>();
  /** What each topic was last declared with (a pipeline that left keeps its last). */
  readonly #declared = new Map<string, MemberDeclaration>();
  #watcher: PlanWatcher | undefined;
  readonly #options: BackendPlanOptions;

  constructor(file: RuntimeFile, options: BackendPlanOptions) {
    this.#options = options;
    this.#file = file;
    this.#builtFrom = file;
    this.#take(file);
  }

  get file(): RuntimeFile {
    return this.#file;
  }

  /** The generations this pod runs, per pipeline (for the log). */
  get generations(): string {
    return [...this.#groups].map(([p, g]) => `${p}@${g.planGeneration}`).join(', ');
  }

  /** What this pod's consumer of `topic` declares to its group. */
  declare(topic: string): MemberDeclaration {
    for (const p of filePipelines(this.#file)) {
      const stage = p.runtime.stages.find((s) => s.topic === topic)?.name;
      // A gather runs no model: it goes where its input stage runs, and weighs as that stage does.
      const gather = p.runtime.gathers?.find((g) => g.topic === topic);
      const group = this.#groups.get(p.runtime.pipeline.name);
      if ((stage === undefined && !gather) || !group) continue;
      const session = group.sessions.find((s) => s.stage === (stage ?? gather?.input));
      const duty = group.dutyCycleMicros;
      const declaration = {
        pod: this.#options.podId,
        backend: group.name,
        rateVps: session?.rateVps ?? 0,
        // One planned batch per duty cycle is what the pod can take for the stage.
        ...(session && stage !== undefined && duty > 0
          ? { capacityVps: (session.batchSize * 1e6) / duty }
          : {}),
        planGeneration: group.planGeneration,
      };
      this.#declared.set(topic, declaration);
      return declaration;
    }
    return (
      this.#declared.get(topic) ?? {
        pod: this.#options.podId,
        backend: 'local',
        rateVps: 0,
        planGeneration: 0,
      }
    );
  }

  /** Starts following the mounted file; `apply` retunes the running pod to a new file. */
  follow(source: PlanSource, apply: (file: RuntimeFile) => Promise<void>): PlanWatcher {
    this.#watcher = watchRuntimeFile({
      path: source.path,
      initialText: source.initialText,
      ...(source.pollMs !== undefined ? { pollMs: source.pollMs } : {}),
      onFile: async (read) => {
        const next = source.adjust(read);
        const decision = reloadDecision(this.#file, next, this.#options.backend, this.#builtFrom);
        const { logger, metrics } = this.#options;
        if (decision.action === 'restart') {
          metrics.planReloadsTotal.inc({ result: 'restart' });
          logger.warn(
            `plan: keeping ${this.generations}: ${decision.reason}; this pod needs replacing (the operator rolls it)`,
          );
          return;
        }
        const before = this.generations;
        this.#file = decision.file;
        this.#take(decision.file);
        await apply(decision.file);
        metrics.planReloadsTotal.inc({ result: 'applied' });
        logger.info(`plan: ${before} → ${this.generations} applied live`);
      },
      onError: (error) => {
        this.#options.metrics.planReloadsTotal.inc({ result: 'invalid' });
        this.#options.logger.error(`plan: ${error.message} (keeping ${this.generations})`);
      },
    });
    return this.#watcher;
  }

  close(): void {
    this.#watcher?.close();
  }

  #take(file: RuntimeFile): void {
    const { metrics } = this.#options;
    const names = new Set<string>();
    for (const p of filePipelines(file)) {
      const { pipeline } = p.runtime;
      const group = this.#options.hosted(p.runtime).backends[0]!;
      names.add(pipeline.name);
      this.#groups.set(pipeline.name, group);
      metrics.planGeneration.set(
        { pipeline: `${pipeline.namespace}/${pipeline.name}`, backend: group.name },
        group.planGeneration,
      );
    }
    // Pipelines that left the file: their consumers go idle; their last settings stay declared.
    for (const name of [...this.#groups.keys()]) if (!names.has(name)) this.#groups.delete(name);
  }
}
