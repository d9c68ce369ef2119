import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import { watchRuntimeFile } from './plan-watcher.ts';

const root = mkdtempSync(join(tmpdir(), 'vpo-plan-watch-'));
after(() => rmSync(root, { recursive: true, force: true }));

const text = (generation: number) =>
  JSON.stringify({
    version: 1,
    runtime: { stages: [], backends: [{ name: 'b0', planGeneration: generation }] },
    kafka: { brokers: ['k:9092'], settings: { partitions: 4 } },
    frameStore: { root: '/frames' },
  });

/** Writes `content` the way the kubelet updates a ConfigMap volume: a new dir, then a symlink swap. */
function kubeletWrite(dir: string, content: string, n: number): void {
  const data = join(dir, `..2026_${n}`);
  mkdirSync(data);
  writeFileSync(join(data, 'config.json'), content);
  symlinkSync(`..2026_${n}`, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
}

const eventually = async (check: () => boolean, what: string) => {
  const until = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('a ConfigMap-style symlink swap is seen; unchanged and invalid content is not handed on', async () => {
  const dir = join(root, 'cm');
  mkdirSync(dir);
  kubeletWrite(dir, text(1), 1);
  symlinkSync('..data/config.json', join(dir, 'config.json'));
  const seen: number[] = [];
  const errors: string[] = [];
  const watcher = watchRuntimeFile({
    path: join(dir, 'config.json'),
    initialText: text(1),
    onFile: (f: RuntimeFile) => {
      seen.push(f.runtime.backends[0]!.planGeneration);
    },
    onError: (e) => errors.push(e.message),
    pollMs: 60_000,
    settleMs: 10,
  });
  try {
    kubeletWrite(dir, text(2), 2);
    await eventually(() => seen.length === 1, 'generation 2');
    assert.deepEqual(seen, [2]);
    kubeletWrite(dir, text(2), 3);
    await watcher.check();
    assert.deepEqual(seen, [2], 'the same content again is not a new plan');
    kubeletWrite(dir, '{"version": 1, "runtime":', 4);
    await eventually(() => errors.length === 1, 'the parse error');
    assert.match(errors[0]!, /config\.json/);
    kubeletWrite(dir, text(3), 5);
    await eventually(() => seen.length === 2, 'generation 3');
    assert.deepEqual(seen, [2, 3]);
  } finally {
    watcher.close();
  }
});

test('polling finds a change that raised no event', async () => {
  const path = join(root, 'plain.json');
  writeFileSync(path, text(1));
  const seen: number[] = [];
  const watcher = watchRuntimeFile({
    path,
    initialText: text(1),
    onFile: (f) => {
      seen.push(f.runtime.backends[0]!.planGeneration);
    },
    onError: () => {},
    pollMs: 50,
    settleMs: 60_000,
  });
  try {
    writeFileSync(path, text(7));
    await eventually(() => seen.length === 1, 'the poll');
    assert.deepEqual(seen, [7]);
  } finally {
    watcher.close();
  }
});
