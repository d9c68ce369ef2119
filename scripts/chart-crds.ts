// Keeps charts/vpo/crds/ an exact copy of crds/ (the one source of truth for the API):
//   node scripts/chart-crds.ts           copies crds/*.yaml into the chart, removes stale files
//   node scripts/chart-crds.ts --check   exits 1 and names the files that differ
// scripts/chart-crds.test.ts runs the check in the unit suite, so drift fails `npm test`.
import { copyFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
export const SOURCE_DIR = join(ROOT, 'crds');
export const CHART_CRD_DIR = join(ROOT, 'charts', 'vpo', 'crds');

const yamlFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort();

/** Differences between the two directories, one line each; empty when they match byte for byte. */
export function crdDrift(sourceDir = SOURCE_DIR, chartDir = CHART_CRD_DIR): string[] {
  const source = yamlFiles(sourceDir);
  const chart = yamlFiles(chartDir);
  const problems: string[] = [];
  for (const name of source) {
    if (!chart.includes(name)) problems.push(`${name}: missing from the chart`);
    else if (!readFileSync(join(sourceDir, name)).equals(readFileSync(join(chartDir, name)))) {
      problems.push(`${name}: differs from crds/${name}`);
    }
  }
  for (const name of chart) if (!source.includes(name)) problems.push(`${name}: not in crds/ (stale copy)`);
  return problems;
}

/** Makes chartDir equal sourceDir (its YAML files); returns what it changed. */
export function syncCrds(sourceDir = SOURCE_DIR, chartDir = CHART_CRD_DIR): string[] {
  const changed = crdDrift(sourceDir, chartDir);
  const source = yamlFiles(sourceDir);
  for (const name of yamlFiles(chartDir)) if (!source.includes(name)) rmSync(join(chartDir, name));
  for (const name of source) copyFileSync(join(sourceDir, name), join(chartDir, name));
  return changed;
}

if (import.meta.main) {
  if (process.argv.includes('--check')) {
    const drift = crdDrift();
    for (const line of drift) process.stderr.write(`charts/vpo/crds/${line}\n`);
    if (drift.length > 0) process.stderr.write('run: node scripts/chart-crds.ts\n');
    process.exitCode = drift.length > 0 ? 1 : 0;
  } else {
    for (const line of syncCrds()) process.stdout.write(`updated charts/vpo/crds/${line}\n`);
  }
}
