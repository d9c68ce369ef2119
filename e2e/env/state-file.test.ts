import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readState, writeState } from './state-file.ts';

test('state files round-trip, a missing one reads as undefined, a foreign one is an error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vpo-state-test-'));
  try {
    const file = join(dir, 'state.json');
    assert.equal(await readState(file), undefined);
    const state = {
      status: 'ready' as const,
      daemonPid: 42,
      daemonLogFile: '/tmp/d.log',
      kafkaBootstrap: '127.0.0.1:1234',
    };
    await writeState(file, state);
    assert.deepEqual(await readState(file), state);
    await writeFile(file, '{"hello": 1}');
    await assert.rejects(readState(file), /not a vpo environment state file/);
    await writeFile(file, 'KAFKA_BOOTSTRAP=');
    await assert.rejects(readState(file), /is not JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
