// Restarts a consumer that kafkajs gave up on (a crash it deems not retriable), after a backoff:
// 1 s, doubling to 60 s, back to 1 s once a restart held. Until then the subscription is not
// healthy, so /readyz says so.
import type { Logger } from '../../logger.ts';

/** First and longest wait before restarting a consumer kafkajs did not restart. */
const RECOVERY_FIRST_MS = 1000;
const RECOVERY_MAX_MS = 60_000;

export interface CrashRecoveryDeps {
  topic: string;
  logger: Logger;
  /** Whether a restart is still wanted (running, and still crashed). */
  wanted(): boolean;
  /** Connects, subscribes and runs the consumer again. */
  restart(): Promise<void>;
  /** The restart held. */
  recovered(): void;
}

export class CrashRecovery {
  private delayMs = RECOVERY_FIRST_MS;
  private readonly deps: CrashRecoveryDeps;

  constructor(deps: CrashRecoveryDeps) {
    this.deps = deps;
  }

  /** Tries a restart after the current backoff. */
  schedule(): void {
    if (!this.deps.wanted()) return;
    const delayMs = this.delayMs;
    this.delayMs = Math.min(RECOVERY_MAX_MS, 2 * delayMs);
    setTimeout(() => void this.attempt(), delayMs).unref();
  }

  private async attempt(): Promise<void> {
    if (!this.deps.wanted()) return;
    try {
      await this.deps.restart();
      this.delayMs = RECOVERY_FIRST_MS;
      this.deps.recovered();
      this.deps.logger.warn(`${this.deps.topic}: consumer restarted after a crash`);
    } catch (error) {
      this.deps.logger.error(
        `${this.deps.topic}: restarting the consumer failed: ${(error as Error).message}`,
      );
      this.schedule();
    }
  }
}
