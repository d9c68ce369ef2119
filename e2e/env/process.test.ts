import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAlive, logTail, runLogged, spawnLogged, stopProcessGroup } from './process.ts';

test('a process group is stopped with SIGTERM, and with SIGKILL when it ignores SIGTERM', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vpo-process-test-'));
  try {
    const log = join(dir, 'out.log');
    const polite = spawnLogged('sleep', ['300'], log, dir);
    assert.equal(isAlive(polite), true);
    await stopProcessGroup(polite);
    assert.equal(isAlive(polite), false);

    // The shell ignores TERM and so does its child: only the SIGKILL after the grace period ends them.
    const stubborn = spawnLogged('sh', ['-c', "trap '' TERM; echo started; sleep 300 & wait"], log, dir);
    // Stop it only once the trap is installed (it prints after the trap), else TERM would end it.
    while (!(await readFile(log, 'utf8')).includes('started')) await new Promise((r) => setTimeout(r, 10));
    await stopProcessGroup(stubborn, 200, 20);
    assert.equal(isAlive(stubborn), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a failing command reports its exit code and the tail of its log', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vpo-process-test-'));
  try {
    const log = join(dir, 'run.log');
    await runLogged('sh', ['-c', 'echo first; echo boom >&2'], log, dir);
    await assert.rejects(
      runLogged('sh', ['-c', 'echo boom >&2; exit 3'], log, dir),
      /exited with 3[\s\S]*boom/,
    );
    assert.match(await logTail(log, 11), /last 11 bytes[\s\S]*boom\nboom\n$/);
    assert.match(await logTail(join(dir, 'missing.log')), /cannot read/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
