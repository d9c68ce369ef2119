import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CHART_CRD_DIR, crdDrift, SOURCE_DIR, syncCrds } from './chart-crds.ts';

test('charts/vpo/crds/ holds exactly the files of crds/, byte for byte (fix: node scripts/chart-crds.ts)', () => {
  assert.deepEqual(crdDrift(SOURCE_DIR, CHART_CRD_DIR), []);
});

const dir = mkdtempSync(join(tmpdir(), 'vpo-chart-crds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('drift is found (changed, missing, stale) and sync repairs it', () => {
  const source = join(dir, 'crds');
  const chart = join(dir, 'chart');
  mkdirSync(source);
  mkdirSync(chart);
  writeFileSync(join(source, 'a.yaml'), 'kind: A\n');
  writeFileSync(join(source, 'b.yaml'), 'kind: B\n');
  writeFileSync(join(chart, 'a.yaml'), 'kind: A # edited\n');
  writeFileSync(join(chart, 'old.yaml'), 'kind: Old\n');
  writeFileSync(join(chart, 'README.md'), 'not a CRD\n');

  assert.deepEqual(crdDrift(source, chart), [
    'a.yaml: differs from crds/a.yaml',
    'b.yaml: missing from the chart',
    'old.yaml: not in crds/ (stale copy)',
  ]);
  assert.equal(syncCrds(source, chart).length, 3);
  assert.deepEqual(crdDrift(source, chart), []);
  assert.equal(readFileSync(join(chart, 'a.yaml'), 'utf8'), 'kind: A\n');
  assert.equal(readFileSync(join(chart, 'README.md'), 'utf8'), 'not a CRD\n');
});
