// The plan a backend pod runs, and how it follows re-plans: it holds the current runtime file,
// says what the pod's consumers declare to their groups (pod, backend group, planned rate per
// stage, plan generation: rate-assignor.ts), and, when the mounted file changes, either retunes
// the running pod (new batch caps, duty cycle, deadlines, rates; consumers rejoin so partitions
// follow the new rates) or, when the pod's structure changed, keeps its settings, logs why and
// counts it (the operator rolls such pods). Every outcome is in vpo_plan_reloads_total, and the
// generation the pod runs in vpo_plan_generation: no pod runs a stale plan silently.
import type { MemberDeclaration } from '../../contract/member-metadata.ts';
import type { RuntimeBackend, RuntimeConfig } from '../../contract/runtime-config.ts';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import type { Logger } from '../logger.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import { reloadDecision } from '../plan/plan-reload.ts';
import { type PlanWatcher, watchRuntimeFile } from '../plan/plan-watcher.ts';

export interface BackendPlanOptions {
  /** The planned backend group this pod belongs to (`--backend`); undefined for `--stages`. */
  backend: string | undefined;
  /** The config this pod's own stage workers see: its stages, one backend group. */
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
  #group: RuntimeBackend;
  #watcher: PlanWatcher | undefined;
  readonly #options: BackendPlanOptions;

  constructor(file: RuntimeFile, options: BackendPlanOptions) {
    this.#options = options;
    this.#file = file;
    this.#group = this.#groupOf(file);
    this.#report();
  }

  get file(): RuntimeFile {
    return this.#file;
  }

  /** What this pod's consumer of `topic` declares to its group. */
  declare(topic: string): MemberDeclaration {
    const stage = this.#file.runtime.stages.find((s) => s.topic === topic)?.name;
    const session = this.#group.sessions.find((s) => s.stage === stage);
    const duty = this.#group.dutyCycleMicros;
    return {
      pod: this.#options.podId,
      backend: this.#group.name,
      rateVps: session?.rateVps ?? 0,
      // One planned batch per duty cycle is what the pod can take for the stage.
      ...(session && duty > 0 ? { capacityVps: (session.batchSize * 1e6) / duty } : {}),
      planGeneration: this.#group.planGeneration,
    };
  }

  /** Starts following the mounted file; `apply` retunes the running pod to a new file. */
  follow(source: PlanSource, apply: (file: RuntimeFile) => Promise<void>): PlanWatcher {
    this.#watcher = watchRuntimeFile({
      path: source.path,
      initialText: source.initialText,
      ...(source.pollMs !== undefined ? { pollMs: source.pollMs } : {}),
      onFile: async (read) => {
        const next = source.adjust(read);
        const decision = reloadDecision(this.#file, next, this.#options.backend);
        const { logger, metrics } = this.#options;
        if (decision.action === 'restart') {
          metrics.planReloadsTotal.inc({ result: 'restart' });
          logger.warn(
            `plan: keeping generation ${this.#group.planGeneration}: ${decision.reason}; this pod needs replacing (the operator rolls it)`,
          );
          return;
        }
        const before = this.#group.planGeneration;
        this.#file = decision.file;
        this.#group = this.#groupOf(decision.file);
        await apply(decision.file);
        this.#report();
        metrics.planReloadsTotal.inc({ result: 'applied' });
        logger.info(`plan: generation ${before} → ${this.#group.planGeneration} applied live`);
      },
      onError: (error) => {
        this.#options.metrics.planReloadsTotal.inc({ result: 'invalid' });
        this.#options.logger.error(
          `plan: ${error.message} (keeping generation ${this.#group.planGeneration})`,
        );
      },
    });
    return this.#watcher;
  }

  close(): void {
    this.#watcher?.close();
  }

  #groupOf(file: RuntimeFile): RuntimeBackend {
    return this.#options.hosted(file.runtime).backends[0]!;
  }

  #report(): void {
    const { pipeline } = this.#file.runtime;
    this.#options.metrics.planGeneration.set(
      { pipeline: `${pipeline.namespace}/${pipeline.name}`, backend: this.#group.name },
      this.#group.planGeneration,
    );
  }
}
