import { readFile, rename, writeFile } from 'node:fs/promises';
import type { S3Endpoint } from './s3/server.ts';

/** What the environment daemon publishes in its state file (JSON). */
export interface EnvironmentState {
  status: 'starting' | 'ready' | 'failed';
  daemonPid: number;
  daemonLogFile: string;
  kafkaBootstrap?: string;
  kubeconfig?: string;
  /** The S3 server's endpoint and its test keys (the file is the user's own, in the temp dir). */
  s3?: S3Endpoint;
  /** Logs of the started parts (Kafka's log), for error messages. */
  logFiles?: string[];
  error?: string;
}

/** Writes through a temp file and rename, so a reader never sees half a file. */
export async function writeState(file: string, state: EnvironmentState): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  // Mode 600: the state holds the test store's keys.
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

/** The state in `file`, or undefined when there is none; throws on a file that is not a state. */
export async function readState(file: string): Promise<EnvironmentState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON; remove it if no environment is running`, { cause: error });
  }
  const state = parsed as Partial<EnvironmentState>;
  if (
    typeof state !== 'object' ||
    state === null ||
    !['starting', 'ready', 'failed'].includes(state.status as string) ||
    !Number.isInteger(state.daemonPid) ||
    typeof state.daemonLogFile !== 'string'
  ) {
    throw new Error(`${file} is not a vpo environment state file; remove it if no environment is running`);
  }
  return state as EnvironmentState;
}
