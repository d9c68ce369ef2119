// The GPU check's steps (run by scripts/gpu-check.sh with the bundle's Node): the CUDA provider
// from the bundle wired to the CUDA libraries the machine has (its Python environment's nvidia/*
// wheels, or VPO_CUDA_LIB_DIRS), Dawn's Vulkan loader from the bundled .debs; then `vpo doctor`,
// `vpo profile` at batches 1-64 on cuda (and webgpu) for the benchmark and PP-OCR models, and the
// batching-efficiency benchmark on cuda, within a time budget; the figures go to
// bench/results/gpu-DATE.md (and $OUT). --dry-run (automatic without an NVIDIA driver) runs what
// this machine can (doctor, one short CPU profile), says what is missing, and writes its report
// to the output folder only.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderReport, type StepResult } from './report.ts';

const repo = path.resolve(import.meta.dirname, '..', '..');
/** The check's own folder (ignored by git); --work elsewhere (tests). */
let work = path.join(repo, '.gpu-check');
const BATCHES = '1,2,4,8,16,32,64';

/** Model, input shape without the batch dim (PP-OCR inputs are dynamic). */
const MODELS: { name: string; file: string; shape?: string }[] = [
  { name: 'mobilenet (bench)', file: 'mobilenet.onnx' },
  { name: 'resnet18 (bench)', file: 'resnet18.onnx' },
  { name: 'PP-OCRv4 det', file: 'ch_PP-OCRv4_det_infer.onnx', shape: '3,640,640' },
  { name: 'PP-OCRv4 rec', file: 'ch_PP-OCRv4_rec_infer.onnx', shape: '3,48,320' },
  { name: 'PP-OCR cls', file: 'ch_ppocr_mobile_v2.0_cls_infer.onnx', shape: '3,48,192' },
];

/** The sonames the CUDA provider needs from the machine (CUDA 13). */
const CUDA_SONAMES = [
  'libcudart.so.13',
  'libcublas.so.13',
  'libcublasLt.so.13',
  'libcurand.so.10',
  'libcufft.so.12',
  'libnvrtc.so.13',
  'libcudnn.so.9',
];

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/** The machine's CUDA library folders: VPO_CUDA_LIB_DIRS, or nvidia/*\/lib in Python's site-packages. */
function cudaLibDirs(env: NodeJS.ProcessEnv): string[] {
  if (env.VPO_CUDA_LIB_DIRS) return env.VPO_CUDA_LIB_DIRS.split(':').filter((d) => existsSync(d));
  const sites = sh('python3', [
    '-c',
    'import site, sys; print("\\n".join(site.getsitepackages() + [site.getusersitepackages()] + sys.path))',
  ])
    .split('\n')
    .filter((d) => d && existsSync(path.join(d, 'nvidia')));
  return [...new Set(sites)].flatMap((site) =>
    readdirSync(path.join(site, 'nvidia'))
      .map((pkg) => path.join(site, 'nvidia', pkg, 'lib'))
      .filter((d) => existsSync(d)),
  );
}

/** One folder of links to the machine's CUDA libraries (the install record names one folder). */
function linkCudaLibraries(dirs: string[]): { dir: string; missing: string[] } {
  const dir = path.join(work, 'cuda-lib');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const d of dirs)
    for (const f of readdirSync(d))
      if (/\.so(\.\d+)*$/.test(f) && !existsSync(path.join(dir, f)))
        symlinkSync(path.join(d, f), path.join(dir, f));
  return { dir, missing: CUDA_SONAMES.filter((s) => !existsSync(path.join(dir, s))) };
}

/** The bundle's provider files beside its binding, recorded with the machine's library folder. */
function installProvider(bundle: string, libDir: string): string | undefined {
  const provider = path.join(bundle, 'provider');
  if (!existsSync(provider)) return 'no CUDA provider in the bundle';
  const binding = path.join(bundle, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64');
  for (const f of ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'])
    copyFileSync(path.join(provider, f), path.join(binding, f));
  const record = JSON.parse(sh('cat', [path.join(provider, 'vpo-cuda.json')]) || '{}') as Record<
    string,
    unknown
  >;
  writeFileSync(path.join(binding, 'vpo-cuda.json'), JSON.stringify({ ...record, libDir }, null, 2));
  return undefined;
}

/** Debian's Vulkan loader unpacked beside the check; a driver ICD named if none is registered. */
function unpackVulkan(bundle: string, env: NodeJS.ProcessEnv): { libDir?: string; note: string } {
  const debs = path.join(bundle, 'debs');
  const files = existsSync(debs) ? readdirSync(debs).filter((f) => f.endsWith('.deb')) : [];
  if (files.length === 0) return { note: 'no Vulkan .debs in the bundle: WebGPU uses what the machine has' };
  const dest = path.join(work, 'vulkan');
  mkdirSync(dest, { recursive: true });
  for (const f of files) {
    const deb = path.join(debs, f);
    const r = spawnSync('dpkg-deb', ['-x', deb, dest]);
    if (r.status !== 0) spawnSync('sh', ['-c', `cd "${dest}" && ar p "${deb}" data.tar.xz | tar -xJ`]);
  }
  const icdDirs = ['/usr/local/nvidia/share/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'];
  const nvidia = icdDirs.map((d) => path.join(d, 'nvidia_icd.json')).find((f) => existsSync(f));
  if (nvidia && !env.VK_DRIVER_FILES) env.VK_DRIVER_FILES = nvidia;
  return {
    libDir: path.join(dest, 'usr', 'lib', 'x86_64-linux-gnu'),
    note: `Vulkan loader from ${files.join(', ')}; VK_DRIVER_FILES=${env.VK_DRIVER_FILES ?? 'unset (none found)'}`,
  };
}

function step(title: string, cmd: string[], env: NodeJS.ProcessEnv, timeoutS: number): StepResult {
  const start = performance.now();
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    cwd: repo,
    env,
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    maxBuffer: 32 * 2 ** 20,
  });
  const seconds = (performance.now() - start) / 1000;
  const timedOut = r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  return {
    title,
    command: cmd.map((c) => (c.startsWith(repo) ? path.relative(repo, c) : c)).join(' '),
    ok: r.status === 0,
    seconds,
    stdout: r.stdout ?? '',
    stderr: `${r.stderr ?? ''}${timedOut ? `\n(stopped after ${timeoutS} s)` : r.error ? `\n${r.error.message}` : ''}`,
  };
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      bundle: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'budget-s': { type: 'string', default: '420' },
      out: { type: 'string' },
      work: { type: 'string' },
    },
  });
  if (values.work) work = path.resolve(values.work);
  const started = performance.now();
  const budgetS = Number(values['budget-s']);
  const env: NodeJS.ProcessEnv = { ...process.env };
  const context: string[] = [];
  const missing: string[] = [];
  const bundle = values.bundle && existsSync(values.bundle) ? values.bundle : undefined;
  const driver = existsSync('/proc/driver/nvidia/version');
  if (!bundle)
    missing.push(
      'the bundle: run scripts/gpu-check/pack.sh where the registries are, bring .gpu-check/parts/ here',
    );
  if (!driver) missing.push('an NVIDIA driver (no /proc/driver/nvidia/version)');
  const gpu = sh('nvidia-smi', [
    '--query-gpu=name,memory.total,driver_version,compute_cap',
    '--format=csv,noheader',
  ]).trim();
  context.push(`GPU: ${gpu || 'none (nvidia-smi did not answer)'}`);
  const libPath: string[] = [];
  const dirs = cudaLibDirs(env);
  if (bundle) {
    const linked = linkCudaLibraries(dirs);
    context.push(
      `CUDA libraries: ${dirs.length ? dirs.join(', ') : 'none found'} (linked into .gpu-check/cuda-lib)`,
    );
    if (linked.missing.length)
      missing.push(`CUDA libraries ${linked.missing.join(', ')} (set VPO_CUDA_LIB_DIRS)`);
    const failed = installProvider(bundle, linked.dir);
    if (failed) missing.push(failed);
    libPath.push(linked.dir);
    const vulkan = unpackVulkan(bundle, env);
    context.push(vulkan.note);
    if (vulkan.libDir) libPath.push(vulkan.libDir);
  }
  env.LD_LIBRARY_PATH = [...libPath, ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)].join(':');
  if (missing.length) context.push(`missing: ${missing.join('; ')}`);
  const node = process.execPath;
  const vpo = [node, path.join(repo, 'bin', 'vpo.ts')];
  const models = path.join(work, 'models');
  mkdirSync(models, { recursive: true });
  const dry = values['dry-run'] || !driver || !bundle;
  // A dry run profiles the small model only: generating ResNet-18's weights takes a while.
  const genModels = dry
    ? `import { writeFileSync } from 'node:fs'; import { mobilenetModel } from ${JSON.stringify(path.join(repo, 'scripts', 'onnx', 'bench-models.ts'))}; writeFileSync(${JSON.stringify(path.join(models, 'mobilenet.onnx'))}, mobilenetModel());`
    : `import { writeBenchModels } from ${JSON.stringify(path.join(repo, 'scripts', 'gen-models.ts'))}; writeBenchModels(${JSON.stringify(models)});`;
  const steps: StepResult[] = [];
  const remaining = () => budgetS - (performance.now() - started) / 1000;
  const run = (title: string, cmd: string[], timeoutS: number) => {
    if (remaining() < 5) {
      steps.push({
        title,
        command: cmd.join(' '),
        ok: false,
        seconds: 0,
        stdout: '',
        stderr: '',
        skipped: `past the ${budgetS} s budget`,
      });
      return steps.at(-1)!;
    }
    const result = step(title, cmd, env, Math.min(timeoutS, Math.max(5, remaining())));
    steps.push(result);
    process.stderr.write(
      `gpu-check: ${title}: ${result.ok ? 'ok' : 'FAILED'} (${result.seconds.toFixed(1)} s)\n`,
    );
    return result;
  };
  run('vpo doctor', [...vpo, 'doctor'], 60);
  run('benchmark models', [node, '--input-type=module', '-e', genModels], 60);
  if (bundle)
    for (const f of MODELS.slice(2))
      copyFileSync(path.join(bundle, 'models', f.file), path.join(models, f.file));
  if (dry) {
    run(
      'vpo profile (dry run: cpu, batch 1)',
      [
        ...vpo,
        'profile',
        path.join(models, 'mobilenet.onnx'),
        '--provider',
        'cpu',
        '--batches',
        '1',
        '--repeats',
        '1',
      ],
      60,
    );
  } else {
    const doctor = JSON.parse(
      step('doctor json', [...vpo, 'doctor', '-o', 'json'], env, 60).stdout || '{"providers":[]}',
    ) as {
      providers: { name: string; usable: boolean }[];
    };
    const usable = (p: string) => doctor.providers.some((r) => r.name === p && r.usable);
    for (const provider of ['cuda', 'webgpu']) {
      for (const m of MODELS) {
        const file = path.join(models, m.file);
        const args = [
          ...vpo,
          'profile',
          file,
          '--provider',
          provider,
          '--batches',
          BATCHES,
          '--repeats',
          '10',
        ];
        if (m.shape) args.push('--input-shape', m.shape);
        // One attempt records why a provider the doctor calls unusable fails; no more.
        if (!usable(provider) && m !== MODELS[0]) continue;
        run(`vpo profile ${m.name} on ${provider}`, args, 120);
      }
    }
    for (const model of ['mobilenet', 'resnet18'])
      run(
        `batching-efficiency ${model} on cuda`,
        [
          node,
          path.join(repo, 'bench', 'run.ts'),
          'batching-efficiency',
          '--provider',
          'cuda',
          '--model',
          model,
          '--seconds',
          '8',
          '--batches',
          '1,4,8,16,32,64',
        ],
        90,
      );
  }
  const date = new Date().toISOString().slice(0, 10);
  const title = dry
    ? `GPU check (dry run, ${date}): what this machine lacks`
    : `GPU check, ${date}: ${gpu.split(',')[0] ?? 'GPU'}`;
  context.unshift(
    `command: scripts/gpu-check.sh ${argv.filter((a) => a !== `--bundle` && a !== values.bundle).join(' ')}`.trim(),
  );
  context.push(`total ${((performance.now() - started) / 1000).toFixed(0)} s of a ${budgetS} s budget`);
  const text = renderReport({ title, context, steps });
  const outDir = values.out ?? process.env.OUT ?? path.join(work, 'out');
  mkdirSync(outDir, { recursive: true });
  const name = `gpu-${date}${dry ? '-dry-run' : ''}.md`;
  writeFileSync(path.join(outDir, name), text);
  if (!dry) writeFileSync(path.join(repo, 'bench', 'results', name), text);
  process.stdout.write(text);
  process.stderr.write(
    `gpu-check: wrote ${path.join(outDir, name)}${dry ? ' (dry run: not in bench/results)' : ` and bench/results/${name}`}\n`,
  );
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
