import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runtimeCommand } from './runtime-command.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err };
}

test('bad arguments and bad runtime files exit 1 with a message, starting nothing', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vpo-runtime-cli-'));
  const notAFile = path.join(dir, 'bad.yaml');
  await writeFile(notAFile, 'version: 7\n');
  const cases: [string[], RegExp][] = [
    [['--config', notAFile], /--role must be ingest or backend/],
    [['--role', 'backend'], /--config FILE is required/],
    [['--role', 'ingest', '--config', notAFile, '--port', 'http'], /--port must be a TCP port/],
    [['--role', 'ingest', '--config', path.join(dir, 'missing.json')], /ENOENT/],
    [['--role', 'ingest', '--config', notAFile], /version must be 1/],
    [['--role', 'ingest', '--nope'], /Unknown option/],
  ];
  for (const [argv, message] of cases) {
    const c = capture();
    assert.equal(await runtimeCommand(argv, c.io, Promise.resolve()), 1, argv.join(' '));
    assert.match(c.err.join(''), message);
    assert.match(c.err.join(''), /usage: vpo runtime/);
    assert.deepEqual(c.out, []);
  }
});
