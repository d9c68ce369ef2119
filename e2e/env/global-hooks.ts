import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envDown, envUp } from './control.ts';
import { type EnvironmentNeeds, s3Env } from './environment.ts';

export interface GlobalHooks {
  globalSetup(): Promise<void>;
  globalTeardown(): Promise<void>;
}

/**
 * Hooks for `node --test --test-global-setup=FILE`: one environment for all test files of a
 * run. globalSetup runs in the runner process before any test process starts, and the test
 * processes inherit the KAFKA_BOOTSTRAP / KUBECONFIG it sets (checked on Node 24.21). The
 * environment lives in a daemon tied to the runner's pid, so it goes away even when the runner
 * is killed before globalTeardown; the state file is named after the runner's pid, so the hooks
 * keep no state of their own.
 */
export function globalHooksFor(needs: EnvironmentNeeds): GlobalHooks {
  const stateFile = () => join(tmpdir(), `vpo-env-${process.pid}.json`);
  return {
    async globalSetup() {
      const started = await envUp({ needs, stateFile: stateFile(), ownerPid: process.pid });
      if (started.kafkaBootstrap) process.env.KAFKA_BOOTSTRAP = started.kafkaBootstrap;
      if (started.kubeconfig) process.env.KUBECONFIG = started.kubeconfig;
      if (started.s3) Object.assign(process.env, s3Env(started.s3));
    },
    async globalTeardown() {
      await envDown(stateFile());
    },
  };
}
