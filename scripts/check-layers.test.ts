import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { checkLayers, importsOf } from './check-layers.ts';

const repoRoot = new URL('..', import.meta.url).pathname;

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'vpo-layers-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

test('this repository keeps its layers', () => {
  assert.deepEqual(checkLayers(repoRoot), []);
});

test('operator/ importing runtime/, runtime/ importing operator/, either importing embedded/ are violations', () => {
  const root = tree({
    'operator/render/a.ts': "import { x } from '../../runtime/backend/x.ts';\n",
    'runtime/roles/b.ts': "import type { Plan } from '../../operator/planner/types.ts';\n",
    'runtime/roles/c.ts': "export { run } from '../../embedded/pipeline.ts';\n",
    'operator/cli/d.ts': "const m = await import('../../embedded/run-command.ts');\n",
    'contract/e.ts': "import { plan } from '../operator/planner/plan.ts';\n",
    'runtime/x.test.ts': "import { plan } from '../operator/planner/plan.ts';\n",
    'operator/y.test-support.ts': "import { run } from '../runtime/run.ts';\n",
    'embedded/z.ts':
      "import { plan } from '../operator/planner/plan.ts';\nimport { r } from '../runtime/r.ts';\n",
  });
  try {
    const found = checkLayers(root).map((v) => v.split(':')[0]);
    assert.deepEqual(found.sort(), [
      'contract/e.ts',
      'operator/cli/d.ts',
      'operator/render/a.ts',
      'runtime/roles/b.ts',
      'runtime/roles/c.ts',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a client library imported outside its adapter is a violation', () => {
  const root = tree({
    'operator/load/k.ts': "import type { Kafka } from 'kafkajs';\n",
    'kafka/ok.ts': "import { Kafka } from 'kafkajs';\n",
    'runtime/backend/o.ts': "import * as ort from 'onnxruntime-node';\n",
  });
  try {
    const found = checkLayers(root).map((v) => v.split(':')[0]);
    assert.deepEqual(found.sort(), ['operator/load/k.ts', 'runtime/backend/o.ts']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('imports are found in static, type-only, re-export and dynamic forms', () => {
  const source = [
    "import a from './a.ts';",
    "import type { B } from '../b.ts';",
    "export { c } from './c.ts';",
    "const d = await import('./d.ts');",
    "import './e.ts';",
  ].join('\n');
  assert.deepEqual(importsOf(source), ['./a.ts', '../b.ts', './c.ts', './d.ts', './e.ts']);
});

test('the simulator may import the planner and the runtime`s pure policies, not its adapters', () => {
  const root = tree({
    'simulate/ok.ts': [
      "import { chooseBatch } from '../runtime/batching/choose-batch.ts';",
      "import { assignByRate } from '../runtime/assignment/partitions-by-rate.ts';",
      "import { planAll } from '../operator/cli/plan-all.ts';",
      "import { apportion } from '../contract/partition-shares.ts';",
    ].join('\n'),
    'simulate/backend.ts': "import { createBackend } from '../runtime/backend/backend.ts';\n",
    'simulate/kube.ts': "import { startManager } from '../operator/controller/manager.ts';\n",
    'simulate/kafka.ts': "import { createKafkaAdmin } from '../kafka/admin.ts';\n",
  });
  try {
    const found = checkLayers(root).map((v) => v.split(':')[0]);
    assert.deepEqual(found.sort(), ['simulate/backend.ts', 'simulate/kafka.ts', 'simulate/kube.ts']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
