import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { renderRuntimeFile } from '../../operator/render/runtime-file.ts';
import { repoRoot, sampleDir, sampleLocalPlan } from '../../scripts/kafka-pipeline.ts';
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

test('vpo runtime: a backend whose cuda session cannot run here exits 1 and writes the reason for the kubelet', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vpo-runtime-cuda-'));
  const { pipeline, sessions, local } = await sampleLocalPlan('cuda-check');
  const file = renderRuntimeFile({
    pipeline,
    sessions,
    plan: local.plan,
    kafka: { brokers: ['127.0.0.1:1'] },
    frameStoreRoot: path.join(dir, 'frames'),
    modelRoot: sampleDir,
    runtimeOptions: { executionProvider: 'cuda' },
  });
  const config = path.join(dir, 'runtime.json');
  const log = path.join(dir, 'termination-log');
  await writeFile(config, JSON.stringify(file));
  const bin = path.join(repoRoot, 'bin/vpo.ts');
  const run = promisify(execFile);
  // What `vpo doctor` says about cuda on this machine, through the same launcher.
  const doctor = JSON.parse((await run(process.execPath, [bin, 'doctor', '-o', 'json'])).stdout);
  const cuda = doctor.providers.find((p: { name: string }) => p.name === 'cuda');
  const stage = file.runtime.stages[0]!;
  const result = await run(process.execPath, [
    bin,
    'runtime',
    '--role',
    'backend',
    '--config',
    config,
    '--stages',
    stage.name,
    '--termination-log',
    log,
    '--port',
    '0',
  ]).catch((err: { code: number; stderr: string }) => err);
  assert.equal((result as { code?: number }).code, 1);
  const written = await readFile(log, 'utf8');
  if (cuda.usable) {
    // A machine with a GPU: the provider check passes; the role fails later, on the fake broker.
    assert.match(written, /^StartFailed: /);
    return;
  }
  const expected = `ProviderUnavailable: stage ${stage.name} (session ${stage.session}) needs cuda: ${cuda.summary}`;
  assert.ok(written.startsWith(`${expected} (`), `${written}\n  does not start with\n${expected}`);
  assert.match((result as { stderr: string }).stderr, /cannot start the backend role: stage .* needs cuda/);
});
