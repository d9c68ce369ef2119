import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { parseBenchFigures, parseProduct, parseProfileRows, renderReport } from './report.ts';

const dir = mkdtempSync(join(tmpdir(), 'vpo-gpu-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('profile lines and bench figures become tables; failures keep their words', () => {
  const stderr = [
    'batch 1: mean 812µs std 20µs p99 870µs device memory 1201MiB (nvml-process)',
    'batch 64: mean 9012µs std 101µs p99 9400µs device memory 3317MiB (nvml-process)',
  ].join('\n');
  const rows = parseProfileRows(stderr);
  assert.deepEqual(rows[1], {
    batchSize: 64,
    meanMicros: 9012,
    stdMicros: 101,
    p99Micros: 9400,
    memoryKind: 'device',
    memoryMiB: 3317,
    memorySource: 'nvml-process',
  });
  assert.equal(parseProduct('# memoryMiB: …\nprofiles:\n  - gpuProduct: NVIDIA-H200\n'), 'NVIDIA-H200');
  const figures = parseBenchFigures('{"name":"batching-efficiency","value":0.93,"unit":"ratio"}\nnot json\n');
  assert.equal(figures.length, 1);
  const md = renderReport({
    title: 'GPU check, 2026-12-04: NVIDIA H200',
    context: ['GPU: NVIDIA H200, 143771 MiB'],
    steps: [
      {
        title: 'vpo profile mobilenet on cuda',
        command: 'vpo profile …',
        ok: true,
        seconds: 12.5,
        stdout: 'profiles:\n  - gpuProduct: NVIDIA-H200\n',
        stderr,
      },
      {
        title: 'batching-efficiency',
        command: 'bench',
        ok: true,
        seconds: 9,
        stdout: '{"name":"batching-efficiency","value":0.93,"unit":"ratio"}\n',
        stderr: '',
      },
      {
        title: 'vpo profile det on webgpu',
        command: 'vpo profile …',
        ok: false,
        seconds: 2,
        stdout: '',
        stderr: 'Failed to get a WebGPU adapter',
      },
      {
        title: 'late',
        command: 'x',
        ok: false,
        seconds: 0,
        stdout: '',
        stderr: '',
        skipped: 'past the 420 s budget',
      },
    ],
  });
  assert.match(md, /^# GPU check, 2026-12-04: NVIDIA H200\n/);
  assert.match(md, /\| 64 \| 9012 \| 101 \| 9400 \| 7101\.6 \| 3317 \|/);
  assert.match(md, /memoryMiB: device memory \(nvml-process\)/);
  assert.match(md, /- batching-efficiency: 0\.93 ratio/);
  assert.match(md, /FAILED in 2\.0 s\n\n```text\nFailed to get a WebGPU adapter\n```/);
  assert.match(md, /Skipped: past the 420 s budget/);
});

test('the check without a GPU: a dry run that says what is missing and writes its report aside', async () => {
  const out = join(dir, 'out');
  const script = new URL('./check.ts', import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [script, '--dry-run', '--out', out, '--work', join(dir, 'work'), '--budget-s', '120'],
    { encoding: 'utf8', env: { ...process.env, OUT: '' } },
  );
  const [name] = readdirSync(out);
  assert.match(name ?? '', /^gpu-\d{4}-\d{2}-\d{2}-dry-run\.md$/);
  const md = readFileSync(join(out, name!), 'utf8');
  assert.equal(md, stdout);
  assert.match(md, /^# GPU check \(dry run, /);
  assert.match(md, /missing: the bundle: run scripts\/gpu-check\/pack\.sh/);
  assert.match(md, /## vpo doctor\n\n`.*doctor` — ok/);
  assert.match(md, /cpu: usable/);
  // The short CPU profile went through the same parsing as the GPU ones.
  assert.match(md, /## vpo profile \(dry run: cpu, batch 1\)[\s\S]*\| 1 \| \d+ \|/);
  assert.match(md, /memoryMiB: host memory \(host-rss\)/);
});
