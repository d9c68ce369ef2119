import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { simulateCommand } from './simulate-command.ts';

const root = new URL('../', import.meta.url).pathname;
const sample = join(root, 'samples/video-classifier');
const dir = mkdtempSync(join(tmpdir(), 'vpo-simulate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const now = () => new Date('2026-01-01T00:00:00.000Z');
  const code = await simulateCommand(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    now,
  });
  return { code, stdout, stderr };
}

test('-o json prints the plan and the simulation of every pipeline (API.md shape)', async () => {
  const { code, stdout, stderr } = await run('-f', sample, '--duration-s', '60', '-o', 'json');
  assert.equal(code, 0, stderr);
  const out = JSON.parse(stdout) as Record<string, unknown>[];
  assert.equal(out.length, 1);
  const [p] = out as {
    kind: string;
    metadata: { name: string; namespace: string };
    status: { plan: { gpus: number; backends: unknown[] }; conditions: { type: string; status: string }[] };
    simulation: Record<string, unknown> & { backends: unknown[] };
  }[];
  assert.equal(p!.kind, 'VideoPipeline');
  assert.deepEqual(p!.metadata, { name: 'video-classifier', namespace: 'default' });
  assert.equal(p!.status.conditions.find((c) => c.type === 'Planned')?.status, 'True');
  for (const field of ['videos', 'sloAttainment', 'p50Ms', 'p99Ms', 'throughputVps', 'targetVps', 'backends'])
    assert.ok(field in p!.simulation, field);
  assert.equal(p!.simulation.backends.length, p!.status.plan.backends.length);
  assert.ok(p!.simulation.backends.length >= 2);
  assert.equal(p!.simulation.sloAttainment, 1, 'at its load (half its planned peak) the sample holds');
  assert.ok(Math.abs((p!.simulation.targetVps as number) - 5.787) < 0.01, 'the load: 500 000 videos a day');
  assert.ok(
    Math.abs((p!.simulation.plannedVps as number) - 11.574) < 0.01,
    'planned for that × peakFactor 2',
  );
});

test('the table names the run and the figures a capacity planner reads', async () => {
  const { code, stdout } = await run(
    '-f',
    sample,
    '--duration-s',
    '30',
    '--arrivals',
    'bursty',
    '--seed',
    '7',
  );
  assert.equal(code, 0);
  assert.match(
    stdout,
    /^simulated 30 s, bursty arrivals at 1× each pipeline's load, seed 7; plans made for poisson arrivals\n/,
  );
  assert.match(stdout, /SLO attainment \d+\.\d\d%\s+p50 [\d.]+ ms\s+p99 [\d.]+ ms/);
  assert.match(stdout, /BACKEND\s+REPLICAS\s+PLANNED_OCCUPANCY\s+UTILISATION\s+BATCH_FILL/);
});

test('bad arguments and bad input exit 1 with one line saying what is wrong', async () => {
  const cases: [string[], RegExp][] = [
    [[], /-f PATH is required/],
    [['-f', sample, '--arrivals', 'sometimes'], /--arrivals must be one of poisson, uniform, bursty/],
    [['-f', sample, '--load-factor=-1'], /--load-factor must be a positive number/],
    [['-f', sample, '--load-factor', '0'], /--load-factor must be a positive number/],
    [['-f', sample, '--duration-s', 'long'], /--duration-s must be a positive number/],
    [['-f', sample, '--seed', '1.5'], /--seed must be a whole number/],
    [['-f', sample, '-o', 'yaml'], /-o must be table or json/],
    [['-f', join(dir, 'missing.yaml')], /missing\.yaml: no such file or directory/],
  ];
  for (const [args, message] of cases) {
    const r = await run(...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
  const notNodes = join(dir, 'nodes.yaml');
  writeFileSync(notNodes, 'kind: Pod\napiVersion: v1\nmetadata: {name: x}\n');
  const r = await run(
    '-f',
    join(sample, 'pipeline.yaml'),
    '-f',
    join(sample, 'sessions.yaml'),
    '--nodes',
    notNodes,
  );
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--nodes expects Node objects, found kind Pod/);
});

test('an infeasible pipeline is listed, not simulated', async () => {
  const tiny = join(dir, 'tiny-nodes.yaml');
  writeFileSync(
    tiny,
    'apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n  labels: {nvidia.com/gpu.product: NVIDIA-A100-SXM4-80GB, nvidia.com/gpu.memory: "81920"}\nstatus:\n  allocatable: {nvidia.com/gpu: "1"}\n',
  );
  const r = await run(
    '-f',
    join(sample, 'pipeline.yaml'),
    '-f',
    join(sample, 'sessions.yaml'),
    '--nodes',
    tiny,
    '-o',
    'json',
  );
  assert.equal(r.code, 0, r.stderr);
  const [p] = JSON.parse(r.stdout) as {
    simulation: unknown;
    status: { conditions: { type: string; status: string }[] };
  }[];
  assert.equal(p!.simulation, null);
  assert.equal(p!.status.conditions.find((c) => c.type === 'Planned')?.status, 'False');
});

test('the default plan keeps the game streams within their SLO under Poisson arrivals; a steady plan takes fewer GPUs and misses', async () => {
  const games = join(root, 'samples/game-streams');
  const attained = async (planFor?: string) => {
    const args = [
      '-f',
      games,
      '--duration-s',
      '120',
      ...(planFor ? ['--plan-for', planFor] : []),
      '-o',
      'json',
    ];
    const { code, stdout, stderr } = await run(...args);
    assert.equal(code, 0, stderr);
    const out = JSON.parse(stdout) as {
      status: { plan: { namespace: { gpus: number } } };
      simulation: { videos: number; sloAttainment: number };
    }[];
    const videos = out.reduce((n, p) => n + p.simulation.videos, 0);
    const met = out.reduce((n, p) => n + p.simulation.sloAttainment * p.simulation.videos, 0);
    return { attainment: met / videos, gpus: out[0]!.status.plan.namespace.gpus };
  };
  const steady = await attained('steady');
  const poisson = await attained();
  assert.ok(poisson.attainment >= 0.99, JSON.stringify(poisson));
  assert.ok(steady.attainment < 0.95, JSON.stringify(steady));
  assert.ok(poisson.gpus > steady.gpus, `${poisson.gpus} vs ${steady.gpus}`);
});

test('--plan-for takes steady or poisson only', async () => {
  const { code, stdout, stderr } = await run('-f', sample, '--plan-for', 'bursty');
  assert.equal(code, 1);
  assert.equal(stdout, '');
  assert.match(stderr, /^vpo simulate: --plan-for must be poisson or steady, got "bursty"\n$/);
});
