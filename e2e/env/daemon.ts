/**
 * The process that owns a test environment: started detached by control.ts, it starts Kafka,
 * Kubernetes and/or the S3 server, publishes their addresses in a state file, and stops them on SIGTERM or
 * SIGINT, or when its owner process (a test runner) is gone.
 *
 * Usage: node e2e/env/daemon.ts --state FILE [--kafka] [--kubernetes] [--s3] [--owner PID]
 */
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startEnvironment } from './environment.ts';
import { isAlive } from './process.ts';
import { writeState } from './state-file.ts';

const OWNER_POLL_MS = 1000;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      state: { type: 'string' },
      'log-file': { type: 'string' },
      kafka: { type: 'boolean', default: false },
      kubernetes: { type: 'boolean', default: false },
      s3: { type: 'boolean', default: false },
      owner: { type: 'string' },
    },
  });
  if (!values.state || !values['log-file']) throw new Error('--state FILE and --log-file FILE are required');
  const stateFile = values.state;
  const base = { daemonPid: process.pid, daemonLogFile: values['log-file'] };
  const ownerPid = values.owner === undefined ? undefined : Number(values.owner);
  if (ownerPid !== undefined && !Number.isInteger(ownerPid)) {
    throw new Error(`--owner must be a process id, got ${values.owner}`);
  }
  await writeState(stateFile, { ...base, status: 'starting' });
  let environment: Awaited<ReturnType<typeof startEnvironment>>;
  try {
    // The control side already decided what to reuse: start everything asked for. What is
    // started is tied to this process, so even a SIGKILL of the daemon leaves no broker behind.
    const { KAFKA_BOOTSTRAP: _kafka, KUBECONFIG: _kube, S3_ENDPOINT: _s3, ...env } = process.env;
    environment = await startEnvironment(
      { kafka: values.kafka, kubernetes: values.kubernetes, s3: values.s3 },
      env,
      process.pid,
    );
  } catch (error) {
    console.error(error);
    await writeState(stateFile, { ...base, status: 'failed', error: describe(error) });
    process.exitCode = 1;
    return;
  }
  const { kafkaBootstrap, kubeconfig, s3, logFiles } = environment;
  await writeState(stateFile, { ...base, status: 'ready', kafkaBootstrap, kubeconfig, s3, logFiles });
  console.log(
    `ready: KAFKA_BOOTSTRAP=${kafkaBootstrap ?? ''} KUBECONFIG=${kubeconfig ?? ''} S3_ENDPOINT=${s3?.endpoint ?? ''}`,
  );

  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(ownerWatch);
    console.log(`stopping: ${why}`);
    try {
      await environment.stop();
    } catch (error) {
      console.error(error);
      process.exitCode = 1;
    }
    await rm(stateFile, { force: true });
    console.log('stopped');
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Also keeps the event loop alive while the environment runs.
  const ownerWatch = setInterval(() => {
    if (ownerPid !== undefined && !isAlive(ownerPid)) void shutdown(`owner ${ownerPid} exited`);
  }, OWNER_POLL_MS);
}

function describe(error: unknown): string {
  if (error instanceof AggregateError) return error.errors.map(describe).join('\n');
  if (error instanceof Error) {
    return error.cause instanceof Error
      ? `${error.message}\ncaused by: ${describe(error.cause)}`
      : error.message;
  }
  return String(error);
}

await main(process.argv.slice(2)).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
