// Child processes of the test cluster: each writes stdout and stderr to its own log file, and
// stops with SIGTERM, then SIGKILL after a grace period.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface Component {
  name: string;
  logPath: string;
  pid: number;
  /** Resolves with a description of how the process ended ("exit code 1", "signal SIGKILL"). */
  exited: Promise<string>;
  isRunning(): boolean;
  /** How the process ended, once it has ("exit code 1", "failed to start: spawn ... ENOENT"). */
  exitReason(): string | undefined;
  stop(graceMs?: number): Promise<void>;
  /** Sends SIGKILL without waiting: for process exit handlers, which cannot wait. */
  killNow(): void;
}

export function startComponent(name: string, command: string, args: string[], logPath: string): Component {
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  let running = true;
  let reason: string | undefined;
  const exited = new Promise<string>((resolve) => {
    const end = (why: string) => {
      running = false;
      reason ??= why;
      resolve(reason);
    };
    child.once('exit', (code, signal) => end(signal ? `signal ${signal}` : `exit code ${code}`));
    child.once('error', (error) => end(`failed to start: ${error.message}`));
  });
  const stop = async (graceMs = 10_000): Promise<void> => {
    if (!running) return;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), graceMs);
    });
    const outcome = await Promise.race([exited, graceOver]);
    clearTimeout(timer);
    if (outcome === 'late') {
      child.kill('SIGKILL');
      await exited;
    }
  };
  return {
    name,
    logPath,
    pid: child.pid ?? -1,
    exited,
    isRunning: () => running,
    exitReason: () => reason,
    stop,
    killNow: () => {
      if (running) child.kill('SIGKILL');
    },
  };
}

/** The last `lines` lines of a log file, or a note saying why there are none. */
export async function logTail(path: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch (error) {
    return `(no log at ${path}: ${(error as Error).message})`;
  }
}
