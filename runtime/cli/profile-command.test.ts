import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as yaml from 'js-yaml';
import { writeSampleModels } from '../../scripts/gen-models.ts';
import { profileCommand } from './profile-command.ts';

const dir = mkdtempSync(join(tmpdir(), 'vpo-profile-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeSampleModels(dir);

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await profileCommand(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join(''), err: err.join('') };
}

test('prints a ModelSession profiles entry for the measured batch sizes', async () => {
  const { code, out, err } = await run([
    join(dir, 'scene.onnx'),
    '--batches',
    '1,2,4',
    '--input-shape',
    '2,3,8,8',
    '--repeats',
    '3',
  ]);
  assert.equal(code, 0, err);
  const doc = yaml.load(out) as { profiles: { gpuProduct: string; points: Record<string, number>[] }[] };
  assert.equal(doc.profiles.length, 1);
  const [profile] = doc.profiles;
  assert.equal(profile!.gpuProduct, 'cpu');
  assert.deepEqual(
    profile!.points.map((p) => p.batchSize),
    [1, 2, 4],
  );
  for (const p of profile!.points) {
    assert.deepEqual(Object.keys(p).sort(), ['batchSize', 'latencyMicros', 'memoryMiB']);
    assert.ok(Number.isInteger(p.latencyMicros) && p.latencyMicros! > 0);
    assert.ok(Number.isInteger(p.memoryMiB) && p.memoryMiB! >= 0);
  }
  assert.match(err, /batch 4: mean \d+µs std \d+µs p99 \d+µs/);
});

test('dynamic dims without --input-shape, bad flags and a missing provider are clear errors', async () => {
  const dynamic = await run([join(dir, 'scene.onnx'), '--repeats', '1']);
  assert.equal(dynamic.code, 1);
  assert.match(dynamic.err, /dynamic dims \(F, H, W\): give --input-shape/);
  assert.equal((await run([join(dir, 'scene.onnx'), '--batches', '0,x'])).code, 1);
  assert.equal((await run([])).code, 1);
  // The doctor's verdict, never a CPU run in its place (a machine with a usable GPU profiles it).
  const cuda = await run([join(dir, 'fusion.onnx'), '--provider', 'cuda', '--repeats', '1']);
  if (cuda.code === 1) assert.match(cuda.err, /vpo profile --provider cuda needs cuda: /);
  else assert.match(cuda.out, /# memoryMiB: device memory/);
  assert.equal((await run([join(dir, 'fusion.onnx'), '--device-id', '-1'])).code, 1);
});

test('--gpu-product names the entry; --result-file holds it as JSON (the profiling Job reads it)', async () => {
  const result = join(dir, 'result.json');
  const { code, out, err } = await run([
    join(dir, 'fusion.onnx'),
    '--batches',
    '1,3',
    '--repeats',
    '2',
    '--gpu-product',
    'NVIDIA-T4',
    '--result-file',
    result,
  ]);
  assert.equal(code, 0, err);
  const written = JSON.parse(readFileSync(result, 'utf8'));
  assert.equal(written.gpuProduct, 'NVIDIA-T4');
  assert.equal(written.detectedProduct, 'cpu');
  assert.deepEqual(
    written.points.map((p: { batchSize: number }) => p.batchSize),
    [1, 3],
  );
  const printed = yaml.load(out) as { profiles: { gpuProduct: string; points: unknown[] }[] };
  assert.deepEqual(printed.profiles[0]!.points, written.points);
  // A CPU profile says its memory is host memory, in the output and in the result.
  assert.match(out, /^# memoryMiB: host memory: the process RSS growth/);
  assert.deepEqual(written.memory, { kind: 'host', source: 'host-rss' });
  assert.match(err, /batch 1: .* host memory \d+MiB \(host-rss\)/);
});

test('a failure leaves the error in --result-file; a wrong --sha256 fails, a malformed one is usage', async () => {
  const result = join(dir, 'failed.txt');
  const wrong = await run([
    join(dir, 'fusion.onnx'),
    '--repeats',
    '1',
    '--sha256',
    '0'.repeat(64),
    '--result-file',
    result,
  ]);
  assert.equal(wrong.code, 1);
  assert.match(readFileSync(result, 'utf8'), /^vpo profile: .*sha256 mismatch/);
  const malformed = await run([join(dir, 'fusion.onnx'), '--sha256', 'abc']);
  assert.equal(malformed.code, 1);
  assert.match(malformed.err, /^usage:/);
});

test('--model-root prefixes an absolute model path or a file:// URI, as in vpo runtime', async () => {
  const args = ['--repeats', '1', '--batches', '1', '--model-root', dir];
  const plain = await run(['/fusion.onnx', ...args]);
  assert.equal(plain.code, 0, plain.err);
  const uri = await run(['file:///fusion.onnx', ...args]);
  assert.equal(uri.code, 0, uri.err);
  const missing = await run(['/no-such.onnx', ...args]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, new RegExp(`${dir}/no-such.onnx`));
});
