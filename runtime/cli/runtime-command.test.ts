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

test('an s3 runtime file: --frame-store is refused, and missing credential variables stop the start', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vpo-runtime-cli-s3-'));
  const file = path.join(dir, 's3.json');
  const runtime = {
    version: 1,
    runtime: { stages: [], source: {}, frameStore: { ttlSeconds: 60 } },
    kafka: { brokers: ['127.0.0.1:1'], createTopics: false, settings: { partitions: 1 } },
    frameStore: { kind: 's3', bucket: 'frames', prefix: 'p/' },
    objectStore: {
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      credentialsEnv: { accessKeyId: 'VPO_TEST_UNSET_KEY_ID', secretAccessKey: 'VPO_TEST_UNSET_SECRET' },
    },
  };
  await writeFile(file, JSON.stringify(runtime));
  const refused = capture();
  assert.equal(
    await runtimeCommand(
      ['--role', 'ingest', '--config', file, '--frame-store', dir],
      refused.io,
      Promise.resolve(),
    ),
    1,
  );
  assert.match(refused.err.join(''), /--frame-store is for a dir frame store/);
  const noKeys = capture();
  assert.equal(
    await runtimeCommand(['--role', 'ingest', '--config', file, '--port', '0'], noKeys.io, Promise.resolve()),
    1,
  );
  assert.match(noKeys.err.join(''), /VPO_TEST_UNSET_KEY_ID and VPO_TEST_UNSET_SECRET are not both set/);
});
