import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as yaml from 'js-yaml';
import { planCommand } from './plan-command.ts';

const root = new URL('../../', import.meta.url).pathname;
const sampleDir = join(root, 'samples/video-classifier');
const dir = mkdtempSync(join(tmpdir(), 'vpo-plan-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const pipelineText = readFileSync(join(sampleDir, 'pipeline.yaml'), 'utf8');
const sessionsText = readFileSync(join(sampleDir, 'sessions.yaml'), 'utf8');
const nodesFile = join(sampleDir, 'cluster', 'nodes.yaml');

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function vpo(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/vpo.ts'), 'plan', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const now = () => new Date('2025-01-01T00:00:00.123Z');
  const code = await planCommand(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), now });
  return { code, stdout, stderr };
}

const badCases: [string, () => string[], RegExp][] = [
  [
    'an unknown --plan-for',
    () => ['-f', sampleDir, '--plan-for', 'bursty'],
    /--plan-for must be poisson or steady/,
  ],
  ['a missing file', () => ['-f', join(dir, 'nope.yaml')], /nope\.yaml: no such file or directory$/],
  [
    'unparseable YAML, with the line',
    () => ['-f', write('bad.yaml', 'kind: VideoPipeline\nspec:\n  - a\n b: [\n')],
    /bad\.yaml:\d+: cannot parse YAML: /,
  ],
  [
    'an unknown kind',
    () => ['-f', write('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n')],
    /cm\.yaml: ConfigMap\/x: unknown kind ConfigMap/,
  ],
  [
    'a number where a quantity string belongs',
    () => [
      '-f',
      write('num.yaml', pipelineText.replace('videosPerDay: 500000', 'videosPerSecond: 5.79')),
      '--nodes',
      nodesFile,
    ],
    /num\.yaml: VideoPipeline\/video-classifier: spec\.load\.videosPerSecond: must be a quantity string \(e\.g\. "5\.79"\), got number$/,
  ],
  [
    'a value outside an enum',
    () => [
      '-f',
      write('enum.yaml', sessionsText.replace('executionProvider: cuda', 'executionProvider: tpu')),
    ],
    /enum\.yaml: ModelSession\/scene-classifier: spec\.executionProvider: must be one of cuda, webgpu, cpu, got "tpu"$/,
  ],
  [
    'a missing required field',
    () => ['-f', write('req.yaml', pipelineText.replace(/ {2}latencySLO:\n {4}p99Ms: 10000\n/, ''))],
    /req\.yaml: VideoPipeline\/video-classifier: spec\.latencySLO: required field is missing$/,
  ],
  [
    'duplicate stage names (a CEL rule)',
    () => ['-f', write('dup.yaml', pipelineText.replace('name: motion', 'name: scene'))],
    /dup\.yaml: VideoPipeline\/video-classifier: spec\.stages: stage names must be unique$/,
  ],
  [
    'a misspelt field',
    () => ['-f', write('typo.yaml', pipelineText.replace('sessionRef:', 'sesionRef:'))],
    /typo\.yaml: VideoPipeline\/video-classifier: spec\.stages\[0\]\.(sessionRef: required field is missing|sesionRef: unknown field)$/,
  ],
  [
    'no nodes anywhere',
    () => ['-f', write('only.yaml', pipelineText)],
    /no Node objects found: pass --nodes/,
  ],
  [
    '--nodes with something else',
    () => ['-f', sampleDir, '--nodes', write('notnodes.yaml', sessionsText)],
    /notnodes\.yaml: --nodes expects Node objects, found kind ModelSession/,
  ],
  [
    'a file name with a newline and an escape sequence (shown escaped, on one line)',
    () => ['-f', write('evil\nvpo plan: fake\u001b[2J.yaml', 'kind: [')],
    /evil\\nvpo plan: fake\\u001b\[2J\.yaml/,
  ],
  ['a bad -o', () => ['-f', sampleDir, '-o', 'xml'], /-o must be table, yaml or json, got "xml"/],
  ['no -f', () => [], /-f PATH is required/],
  ['an unknown option', () => ['-f', sampleDir, '--frobnicate'], /Unknown option '--frobnicate'/],
];

for (const [name, args, message] of badCases) {
  test(`vpo plan exits 1 with one clear line on ${name}`, () => {
    const r = vpo(...args());
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    const first = r.stderr.split('\n')[0]!;
    assert.match(first, /^vpo plan: /);
    assert.match(first, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('the sample plans, as a table a person reads (subprocess, exit 0)', () => {
  const r = vpo('-f', sampleDir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^VideoPipeline default\/video-classifier\n/);
  assert.match(r.stdout, /STAGE\s+SESSION\s+BUDGET_MS\s+BATCH\s+REPLICAS\s+RATE_VPS\s+CAPACITY_VPS/);
  assert.match(r.stdout, /BACKEND\s+GPU\s+REPLICAS\s+DUTY_CYCLE_MS\s+OCCUPANCY/);
  assert.match(r.stdout, /TOTAL {2}\d+ GPU\(s\) NVIDIA-A100-SXM4-80GB; lower bound [\d.]+; ratio [\d.]+/);
  for (const stage of ['scene', 'motion', 'fusion']) assert.match(r.stdout, new RegExp(`\\n  ${stage} `));
});

test('-o json prints the status the operator would write', async () => {
  const r = await run('-f', sampleDir, '-o', 'json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.length, 1);
  assert.equal(out[0].kind, 'VideoPipeline');
  assert.deepEqual(out[0].metadata, { name: 'video-classifier', namespace: 'default' });
  const { plan, conditions } = out[0].status;
  assert.equal(conditions[0].type, 'Planned');
  assert.equal(conditions[0].status, 'True');
  assert.equal(conditions[0].lastTransitionTime, '2025-01-01T00:00:00Z');
  assert.ok(Number.isInteger(plan.gpus) && plan.gpus >= 1);
  assert.equal(
    plan.gpus,
    plan.backends.reduce((n: number, b: { replicas: number }) => n + b.replicas, 0),
  );
  assert.match(plan.lowerBoundGpus, /^\d+(\.\d{1,2})?$/);
  assert.deepEqual(plan.stages.map((s: { name: string }) => s.name).sort(), ['fusion', 'motion', 'scene']);
  for (const s of plan.stages) assert.match(s.rateVps, /^11\.57$/);
  const yamlOut = await run('-f', sampleDir, '-o', 'yaml');
  assert.deepEqual(yaml.load(yamlOut.stdout), out);
});

test('an infeasible or incomplete pipeline still appears, Planned=False with the reason, exit 0', async () => {
  const tight = write('tight.yaml', pipelineText.replace('p99Ms: 10000', 'p99Ms: 100'));
  const r = await run(
    '-f',
    tight,
    '-f',
    join(sampleDir, 'sessions.yaml'),
    '--nodes',
    nodesFile,
    '-o',
    'json',
  );
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout)[0].status.conditions[0];
  assert.equal(c.status, 'False');
  assert.match(c.reason, /^[A-Z][A-Za-z]+$/);
  // The measured ingest (2 × 14 ms) and two hops do not fit 100 ms: the message says which figure.
  assert.match(c.message, /after ingest 28 ms \(2 × the slowest video of the ingestProfile, 14 ms CPU/);
  const missing = await run('-f', join(sampleDir, 'pipeline.yaml'), '--nodes', nodesFile, '-o', 'json');
  assert.equal(missing.code, 0, missing.stderr);
  assert.equal(JSON.parse(missing.stdout)[0].status.conditions[0].reason, 'MissingSession');
  const table = await run('-f', join(sampleDir, 'pipeline.yaml'), '--nodes', nodesFile);
  assert.match(table.stdout, /NOT PLANNED \(MissingSession\): /);
});

interface Planned {
  metadata: { name: string; namespace: string };
  status: {
    plan?: {
      gpuProduct: string;
      gpus: number;
      gpuShare: string;
      namespace?: { gpus: number; pipelines: number; gpusAlone: number };
      backends: { name: string; gpuProduct: string; replicas: number; pipelines: string[] }[];
    };
    conditions: { type: string; status: string; reason: string }[];
  };
}

/** Replicas per product over the distinct backend groups the statuses name. */
function groupGpus(plans: Planned[]): Record<string, number> {
  const groups = new Map(
    plans.flatMap((p) =>
      (p.status.plan?.backends ?? []).map((b) => [`${p.metadata.namespace}/${b.name}`, b]),
    ),
  );
  const out: Record<string, number> = {};
  for (const b of groups.values()) out[b.gpuProduct] = (out[b.gpuProduct] ?? 0) + b.replicas;
  return out;
}

test("a namespace's pipelines are planned together, within the inventory, its total in every status", async () => {
  const first = write('a.yaml', pipelineText.replace('name: video-classifier', 'name: a-first'));
  const second = write('b.yaml', pipelineText.replace('name: video-classifier', 'name: b-second'));
  // Steady plans: three copies of the sample planned for Poisson arrivals need more GPUs than the
  // sample cluster has; this is about sharing within an inventory.
  const r = await run('-f', sampleDir, '-f', first, '-f', second, '--plan-for', 'steady', '-o', 'json');
  assert.equal(r.code, 0, r.stderr);
  const plans = JSON.parse(r.stdout) as Planned[];
  assert.deepEqual(
    plans.map((p) => p.metadata.name),
    ['a-first', 'b-second', 'video-classifier'],
  );
  for (const p of plans)
    assert.equal(p.status.conditions[0]!.status, 'True', JSON.stringify(p.status.conditions));
  // Three copies of the sample do not fit the 4 schedulable A100s: the GPUs of the distinct groups
  // stay within the inventory, and a pipeline that does not fit there goes to its next product.
  const used = groupGpus(plans);
  assert.ok((used['NVIDIA-A100-SXM4-80GB'] ?? 0) <= 4, JSON.stringify(used));
  assert.ok(plans.some((p) => p.status.plan?.gpuProduct === 'NVIDIA-T4'));
  const total = Object.values(used).reduce((a, b) => a + b, 0);
  for (const p of plans) assert.deepEqual(p.status.plan?.namespace?.gpus, total);
  // Shares add up to the namespace's GPUs; a shared group counts in each pipeline's `gpus`.
  const shares = plans.reduce((n, p) => n + Number(p.status.plan!.gpuShare), 0);
  assert.ok(Math.abs(shares - total) < 0.05, `Σ gpuShare ${shares} vs ${total}`);
  const table = await run('-f', sampleDir, '-f', first, '-f', second, '--plan-for', 'steady');
  assert.match(table.stdout, /Namespace default: 3 pipeline\(s\) planned together/);
  assert.match(
    table.stdout,
    new RegExp(`TOTAL {2}${total} GPU\\(s\\) shared; \\d+ GPU\\(s\\) if each pipeline were planned alone`),
  );
});

test('namespaces are planned in name order, each seeing the GPUs the earlier ones use', async () => {
  const other = write(
    'other-ns.yaml',
    pipelineText.replace('name: video-classifier', 'name: video-classifier\n  namespace: zz-later'),
  );
  const sessions = write(
    'other-sessions.yaml',
    sessionsText.replace(/metadata:\n {2}name: (.*)/g, 'metadata:\n  name: $1\n  namespace: zz-later'),
  );
  const r = await run('-f', sampleDir, '-f', other, '-f', sessions, '--plan-for', 'steady', '-o', 'json');
  assert.equal(r.code, 0, r.stderr);
  const plans = JSON.parse(r.stdout) as Planned[];
  assert.deepEqual(
    plans.map((p) => p.metadata.namespace),
    ['default', 'zz-later'],
  );
  const used = groupGpus(plans);
  assert.ok((used['NVIDIA-A100-SXM4-80GB'] ?? 0) <= 4, JSON.stringify(used));
  assert.ok(
    plans.every((p) => p.status.plan?.backends.every((b) => b.pipelines.length === 1)),
    'never across namespaces',
  );
});
