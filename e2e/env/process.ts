import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Starts `command` in its own process group with stdout and stderr appended to `logFile`. The
 * child does not keep this process alive (unref), so a detached environment (`env:up`) outlives
 * the command that started it; stopping goes through the process group (see stopProcessGroup).
 */
export function spawnLogged(
  command: string,
  args: string[],
  logFile: string,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) {
      throw new Error(`cannot start ${command}: no pid (is it installed?)`);
    }
    child.on('error', () => {
      // Reported through the pid check of the caller; the log file says why.
    });
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Runs a command to completion, output to logFile; rejects with the log tail when it fails. */
export async function runLogged(
  command: string,
  args: string[],
  logFile: string,
  cwd: string,
): Promise<void> {
  const fd = openSync(logFile, 'a');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(command, args, { cwd, stdio: ['ignore', fd, fd] });
      child.on('error', (error) =>
        reject(new Error(`cannot run ${command}: ${error.message}`, { cause: error })),
      );
      child.on('close', resolve);
    });
    if (code !== 0) {
      throw new Error(`${command} ${args.join(' ')} exited with ${code}\n${await logTail(logFile)}`);
    }
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * SIGTERM to the process group led by `pid`, then SIGKILL once `graceMs` has passed. Resolves
 * when the leader is gone. Kafka flushes and closes its logs on SIGTERM within a few seconds.
 */
export async function stopProcessGroup(pid: number, graceMs = 15_000, pollMs = 100): Promise<void> {
  if (!isAlive(pid)) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = performance.now() + graceMs;
  while (isAlive(pid) && performance.now() < deadline) await sleep(pollMs);
  if (!isAlive(pid)) return;
  signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(pollMs);
}

/**
 * A small shell that stops the process group of `pid` when `ownerPid` exits, so a test runner
 * that is killed (or crashes before its teardown) leaves no broker behind.
 */
export function watchOwner(pid: number, ownerPid: number, graceSeconds = 15): number {
  const script = [
    `while kill -0 ${ownerPid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done`,
    `kill -TERM -${pid} 2>/dev/null || exit 0`,
    `i=0; while kill -0 ${pid} 2>/dev/null && [ $i -lt ${graceSeconds} ]; do sleep 1; i=$((i+1)); done`,
    `kill -KILL -${pid} 2>/dev/null; exit 0`,
  ].join('\n');
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  if (child.pid === undefined) throw new Error('cannot start the owner watchdog (sh)');
  return child.pid;
}

/** The last `maxBytes` of a log file, for error messages. */
export async function logTail(logFile: string, maxBytes = 4000): Promise<string> {
  try {
    const handle = await open(logFile, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - maxBytes);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      return `--- last ${buffer.length} bytes of ${logFile} ---\n${buffer.toString()}`;
    } finally {
      await handle.close();
    }
  } catch (error) {
    return `(cannot read ${logFile}: ${(error as Error).message})`;
  }
}
