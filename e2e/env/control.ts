import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type EnvironmentNeeds, type S3Endpoint, s3FromEnv } from './environment.ts';
import { brokerAnswers } from './kafka/ready.ts';
import { isAlive, logTail, spawnLogged, stopProcessGroup } from './process.ts';
import { s3Answers } from './s3/server.ts';
import { readState } from './state-file.ts';

export interface EnvUpOptions {
  needs: EnvironmentNeeds;
  /** Where the daemon publishes its state; `npm run env:down` finds it there. */
  stateFile: string;
  /** Reuse KAFKA_BOOTSTRAP / KUBECONFIG / S3_ENDPOINT from here when set. */
  env?: NodeJS.ProcessEnv;
  /** Stop the environment when this process exits (test runners). */
  ownerPid?: number;
  /** Default 30 minutes: a cold Kubernetes build takes ~15 on 2 cores. */
  startTimeoutMs?: number;
}

export interface EnvUpResult {
  kafkaBootstrap: string | undefined;
  kubeconfig: string | undefined;
  s3: S3Endpoint | undefined;
}

/** The state file of `npm run env:up`. */
export function defaultStateFile(): string {
  return join(tmpdir(), 'vpo-env-up.json');
}

/**
 * Reuses what the environment variables point at, starts the rest in a detached daemon, and
 * waits until the daemon reports ready. On failure the error carries the logs' paths and tails.
 */
export async function envUp(options: EnvUpOptions): Promise<EnvUpResult> {
  const env = options.env ?? process.env;
  let kafkaBootstrap: string | undefined;
  let kubeconfig: string | undefined;
  if (options.needs.kafka && env.KAFKA_BOOTSTRAP) {
    if (!(await brokerAnswers(env.KAFKA_BOOTSTRAP))) {
      throw new Error(`KAFKA_BOOTSTRAP=${env.KAFKA_BOOTSTRAP} is set but no Kafka broker answers there`);
    }
    kafkaBootstrap = env.KAFKA_BOOTSTRAP;
  }
  if (options.needs.kubernetes && env.KUBECONFIG) {
    if (!existsSync(env.KUBECONFIG))
      throw new Error(`KUBECONFIG=${env.KUBECONFIG} is set but does not exist`);
    kubeconfig = env.KUBECONFIG;
  }
  let s3 = options.needs.s3 ? s3FromEnv(env) : undefined;
  if (s3 && !(await s3Answers(s3)))
    throw new Error(`S3_ENDPOINT=${s3.endpoint} is set but no S3 store takes a write there with those keys`);
  const startKafka = options.needs.kafka && kafkaBootstrap === undefined;
  const startKubernetes = options.needs.kubernetes && kubeconfig === undefined;
  const startS3 = (options.needs.s3 ?? false) && s3 === undefined;
  if (!startKafka && !startKubernetes && !startS3) return { kafkaBootstrap, kubeconfig, s3 };

  const existing = await readState(options.stateFile);
  if (existing && isAlive(existing.daemonPid)) {
    throw new Error(
      `an environment is already running (daemon ${existing.daemonPid}, state ${options.stateFile}); ` +
        'stop it with `npm run env:down` first',
    );
  }
  const daemonLogFile = `${options.stateFile.replace(/\.json$/, '')}.log`;
  await rm(daemonLogFile, { force: true });
  await rm(options.stateFile, { force: true });
  const daemon = fileURLToPath(new URL('./daemon.ts', import.meta.url));
  const args = [daemon, '--state', options.stateFile, '--log-file', daemonLogFile];
  if (startKafka) args.push('--kafka');
  if (startKubernetes) args.push('--kubernetes');
  if (startS3) args.push('--s3');
  if (options.ownerPid !== undefined) args.push('--owner', String(options.ownerPid));
  const daemonPid = spawnLogged(process.execPath, args, daemonLogFile, process.cwd());

  const deadline = performance.now() + (options.startTimeoutMs ?? 30 * 60_000);
  for (;;) {
    const published = await readState(options.stateFile);
    const state = published?.daemonPid === daemonPid ? published : undefined;
    if (state?.status === 'ready') {
      s3 ??= state.s3;
      return {
        kafkaBootstrap: kafkaBootstrap ?? state.kafkaBootstrap,
        kubeconfig: kubeconfig ?? state.kubeconfig,
        s3,
      };
    }
    const failed = state?.status === 'failed' || !isAlive(daemonPid);
    if (failed || performance.now() > deadline) {
      await stopProcessGroup(daemonPid);
      await rm(options.stateFile, { force: true });
      const why = failed
        ? `the test environment failed to start${state?.error ? `: ${state.error}` : ''}`
        : 'the test environment did not get ready in time';
      throw new Error(`${why}\ndaemon log: ${daemonLogFile}\n${await logTail(daemonLogFile)}`);
    }
    await sleep(200);
  }
}

/** Stops the environment recorded in `stateFile`; returns false when there was none. */
export async function envDown(stateFile: string, graceMs = 60_000): Promise<boolean> {
  const state = await readState(stateFile);
  if (!state) return false;
  // The daemon stops Kafka, Kubernetes and the S3 server on SIGTERM, then exits; SIGKILL is the last resort
  // (what it started is tied to it and goes down too).
  await stopProcessGroup(state.daemonPid, graceMs);
  await rm(stateFile, { force: true });
  await rm(state.daemonLogFile, { force: true });
  return true;
}
