// `npm run setup:cuda [-- --prefix DIR] [--copy] [--offline] [--binding-dir DIR]`: installs the CUDA
// execution provider for the installed onnxruntime-node from PyPI, with nothing else downloaded:
// - onnxruntime-gpu of exactly onnxruntime-node's version (the provider files load only into a core
//   of their own version; any other version is refused), and the CUDA user-space libraries it
//   needs (cudart, cuBLAS/cuBLASLt, cuDNN, cuFFT, cuRAND, NVRTC), pinned by version and sha256 in
//   scripts/cuda/cuda-wheels.json, fetched with `pip download --no-deps --only-binary=:all:
//   --platform … --python-version 3.12 --require-hashes` (no Python install, no pip install);
// - the listed files are extracted into one lib folder (default under the cache, keyed by the
//   pinned wheels), the wheels' licences beside it;
// - the provider files go into the binding's folder (symlinks; --copy for images), where the core
//   looks for them, with vpo-cuda.json naming the lib folder; bin/vpo.ts puts that folder on
//   LD_LIBRARY_PATH for the commands that load models (the image sets it in its environment).
// Idempotent: wheels are cached in ${VPO_CACHE_DIR:-~/.cache/vpo}/cuda/wheels and checked by
// sha256; an install folder is extracted once. --offline never runs pip (cached wheels only).
// Needs python3 with pip (only to download and unzip). About 1.4 GB of wheels, 1.8 GB installed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  bindingDir,
  bindingVersion,
  CUDA_INSTALL_MARKER,
  type CudaInstall,
} from '../../runtime/inference/provider-install.ts';
import {
  type CudaLock,
  cudaMajorOfMetadata,
  type LockedWheel,
  loadLock,
  planSetup,
  requirementsText,
  type SetupPlan,
  wheelPrefix,
} from './lock.ts';

const LOCK_FILE = new URL('./cuda-wheels.json', import.meta.url).pathname;
const log = (s: string) => process.stderr.write(`setup:cuda: ${s}\n`);

class SetupError extends Error {}

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

function python(args: string[], input?: string): string {
  const r = spawnSync('python3', args, { encoding: 'utf8', input, maxBuffer: 64 * 2 ** 20 });
  if (r.error) throw new SetupError(`python3 is needed to download and unpack wheels: ${r.error.message}`);
  if (r.status !== 0)
    throw new SetupError(`python3 ${args.slice(0, 3).join(' ')} failed:\n${r.stderr.trim()}`);
  return r.stdout;
}

/** The cached wheel of `w` if present and intact (a corrupt one is deleted). */
async function cachedWheel(dir: string, w: LockedWheel): Promise<string | undefined> {
  const name = existsSync(dir)
    ? readdirSync(dir).find((f) => f.startsWith(wheelPrefix(w)) && f.endsWith('.whl'))
    : undefined;
  if (!name) return undefined;
  const file = path.join(dir, name);
  if ((await sha256Of(file)) === w.sha256) return file;
  log(`${name}: sha256 mismatch, fetching it again`);
  rmSync(file);
  return undefined;
}

async function fetchWheels(
  lock: CudaLock,
  plan: SetupPlan,
  dir: string,
  offline: boolean,
): Promise<Map<string, string>> {
  mkdirSync(dir, { recursive: true });
  const found = new Map<string, string>();
  const missing: LockedWheel[] = [];
  for (const w of plan.wheels) {
    const file = await cachedWheel(dir, w);
    if (file) found.set(w.project, file);
    else missing.push(w);
  }
  if (missing.length === 0) {
    log(`all ${plan.wheels.length} wheels cached in ${dir}`);
    return found;
  }
  const list = missing.map((w) => `${w.project}==${w.version}`).join(', ');
  if (offline) throw new SetupError(`--offline and not cached in ${dir}: ${list}`);
  log(`downloading from PyPI: ${list}`);
  const requirements = path.join(dir, `.requirements-${plan.key}.txt`);
  writeFileSync(requirements, requirementsText(missing));
  const started = Date.now();
  const pip = spawnSync(
    'python3',
    [
      '-m',
      'pip',
      'download',
      '--no-deps',
      '--only-binary=:all:',
      ...lock.platforms.flatMap((p) => ['--platform', p]),
      '--python-version',
      lock.pythonVersion,
      '--require-hashes',
      '--progress-bar',
      'off',
      '-r',
      requirements,
      '-d',
      dir,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  rmSync(requirements, { force: true });
  if (pip.error) throw new SetupError(`python3 -m pip is needed to download wheels: ${pip.error.message}`);
  if (pip.status !== 0) throw new SetupError(`pip download failed (exit ${pip.status}) for ${list}`);
  for (const w of missing) {
    const file = await cachedWheel(dir, w);
    if (!file)
      throw new SetupError(`pip did not leave ${w.project} ${w.version} with the pinned sha256 in ${dir}`);
    found.set(w.project, file);
  }
  log(`downloaded ${missing.length} wheel(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return found;
}

const UNPACK = `
import os, shutil, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    for member in sys.argv[3:]:
        if member not in names:
            sys.exit(f"{os.path.basename(wheel)} has no {member}")
        out = os.path.join(dest, member.split("/")[-1] if not member.startswith("licenses/") else member)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(member) as src, open(out + ".part", "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.chmod(out + ".part", 0o755 if ".so" in member else 0o644)
        os.replace(out + ".part", out)
`;

const READ_MEMBERS = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    names = z.namelist()
    meta = [n for n in names if n.endswith(".dist-info/METADATA")]
    lic = [n for n in names if "icense" in n.split("/")[-1] or n.endswith("ThirdPartyNotices.txt") or n.endswith("/LICENSE")]
    print(json.dumps({"names": names, "metadata": z.read(meta[0]).decode() if meta else "", "licenses": lic}))
`;

/** The core of the same version must be in the onnxruntime-gpu wheel, built for the locked CUDA. */
function checkProviderWheel(file: string, plan: SetupPlan): void {
  const { names, metadata } = JSON.parse(python(['-c', READ_MEMBERS, file])) as {
    names: string[];
    metadata: string;
  };
  const core = `onnxruntime/capi/libonnxruntime.so.${plan.onnxruntime}`;
  if (!names.includes(core))
    throw new SetupError(
      `${path.basename(file)} has no ${core}: its providers would not match onnxruntime-node ${plan.onnxruntime}`,
    );
  const major = cudaMajorOfMetadata(metadata);
  if (major !== plan.cudaMajor)
    throw new SetupError(
      `${path.basename(file)} asks for CUDA ${major ?? 'unknown'}, the lock says CUDA ${plan.cudaMajor}`,
    );
}

function unpack(plan: SetupPlan, wheels: Map<string, string>, prefix: string): void {
  const stamp = path.join(prefix, '.complete');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === plan.key) {
    log(`already unpacked in ${prefix}`);
    return;
  }
  rmSync(prefix, { recursive: true, force: true });
  mkdirSync(path.join(prefix, 'lib'), { recursive: true });
  mkdirSync(path.join(prefix, 'licenses'), { recursive: true });
  for (const w of plan.wheels) {
    const file = wheels.get(w.project)!;
    python(['-c', UNPACK, file, path.join(prefix, 'lib'), ...w.files]);
    const { licenses } = JSON.parse(python(['-c', READ_MEMBERS, file])) as { licenses: string[] };
    for (const l of licenses) {
      const text = python([
        '-c',
        'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode("utf-8", "replace"))',
        file,
        l,
      ]);
      writeFileSync(path.join(prefix, 'licenses', `${w.project}-${w.version}-${path.basename(l)}`), text);
    }
  }
  writeFileSync(stamp, `${plan.key}\n`);
  const bytes = readdirSync(path.join(prefix, 'lib')).reduce(
    (n, f) => n + statSync(path.join(prefix, 'lib', f)).size,
    0,
  );
  log(`unpacked ${(bytes / 2 ** 20).toFixed(0)} MiB into ${prefix}/lib`);
}

/** The provider files beside the binding's core, and the record the launcher and doctor read. */
function install(plan: SetupPlan, prefix: string, binding: string, copy: boolean): CudaInstall {
  const libDir = path.join(prefix, 'lib');
  const providerFiles = plan.wheels[0]!.files.map((f) => path.basename(f));
  for (const name of providerFiles) {
    const target = path.join(binding, name);
    rmSync(target, { force: true });
    if (copy) copyFileSync(path.join(libDir, name), target);
    else symlinkSync(path.join(libDir, name), target);
  }
  const record: CudaInstall = {
    onnxruntime: plan.onnxruntime,
    cudaMajor: plan.cudaMajor,
    minDriver: plan.minDriver,
    libDir,
    wheels: plan.wheels.map(({ project, version }) => ({ project, version })),
  };
  writeFileSync(path.join(binding, CUDA_INSTALL_MARKER), `${JSON.stringify(record, null, 2)}\n`);
  log(`${copy ? 'copied' : 'linked'} ${providerFiles.join(', ')} into ${binding}`);
  return record;
}

export async function setupCuda(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      prefix: { type: 'string' },
      copy: { type: 'boolean', default: false },
      offline: { type: 'boolean', default: false },
      'binding-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run setup:cuda [-- --prefix DIR] [--copy] [--offline] [--binding-dir DIR]\n',
    );
    return 0;
  }
  const cache = path.join(process.env.VPO_CACHE_DIR ?? path.join(homedir(), '.cache', 'vpo'), 'cuda');
  const lock = loadLock(LOCK_FILE);
  const ortVersion = bindingVersion();
  const planned = planSetup(lock, ortVersion);
  if (!planned.ok) {
    log(planned.message);
    return 1;
  }
  const { plan } = planned;
  const prefix = path.resolve(
    values.prefix ?? path.join(cache, `install-${ortVersion}-cu${plan.cudaMajor}-${plan.key}`),
  );
  const binding = values['binding-dir'] ?? bindingDir();
  try {
    const wheels = await fetchWheels(lock, plan, path.join(cache, 'wheels'), values.offline);
    checkProviderWheel(wheels.get('onnxruntime-gpu')!, plan);
    unpack(plan, wheels, prefix);
    install(plan, prefix, binding, values.copy);
  } catch (err) {
    if (!(err instanceof SetupError)) throw err;
    log(err.message);
    return 1;
  }
  log(
    `done: onnxruntime-gpu ${ortVersion} (CUDA ${plan.cudaMajor}, driver >= ${plan.minDriver}); check with: npx vpo doctor`,
  );
  return 0;
}

if (import.meta.main) process.exitCode = await setupCuda(process.argv.slice(2));
