import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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
  const cuda = await run([join(dir, 'fusion.onnx'), '--provider', 'cuda', '--repeats', '1']);
  if (cuda.code === 1) assert.match(cuda.err, /'cuda' is not available/);
});
