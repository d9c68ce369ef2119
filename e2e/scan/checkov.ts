// Checkov (Apache-2.0, from PyPI), the Kubernetes manifest scanner the chart and the operator's
// rendered objects are checked with: installed once into a virtualenv under the vpo cache at a
// pinned version, and run offline (no guideline download, no platform calls).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot } from '../env/kafka/assemble.ts';

const run = promisify(execFile);
export const CHECKOV_VERSION = '3.3.30';

/** The checkov executable, installing it on first use (a few minutes on a fresh machine). */
export async function ensureCheckov(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = join(cacheRoot(env), 'checkov', CHECKOV_VERSION);
  const bin = join(dir, 'venv', 'bin', 'checkov');
  if (existsSync(bin)) return bin;
  await mkdir(dir, { recursive: true });
  const python = env.PYTHON ?? 'python3';
  await run(python, ['-m', 'venv', join(dir, 'venv')]);
  await run(join(dir, 'venv', 'bin', 'pip'), ['install', '--quiet', `checkov==${CHECKOV_VERSION}`], {
    maxBuffer: 64 << 20,
    timeout: 900_000,
  });
  return bin;
}

export interface CheckovCheck {
  check_id: string;
  check_name: string;
  resource: string;
  /** Why a skipped check was skipped (the annotation's text after `=`). */
  check_result: { result: string; suppress_comment?: string };
}

export interface CheckovReport {
  passed: CheckovCheck[];
  failed: CheckovCheck[];
  skipped: CheckovCheck[];
}

/** Scans one manifest file (kubernetes framework) and returns the checks by outcome. */
export async function scanManifests(bin: string, file: string): Promise<CheckovReport> {
  const { stdout } = await run(
    bin,
    ['-f', file, '--framework', 'kubernetes', '--skip-download', '-o', 'json'],
    // Exit code 1 means failed checks: the report says which.
    { env: { ...process.env, CKV_NO_GUIDE: 'true', BC_SKIP_MAPPING: 'TRUE' }, maxBuffer: 64 << 20 },
  ).catch((error: { stdout?: string; code?: number; stderr?: string }) => {
    if (error.code === 1 && error.stdout) return { stdout: error.stdout };
    throw new Error(`checkov failed (${error.code}): ${error.stderr ?? ''}`);
  });
  const parsed = JSON.parse(stdout) as
    | {
        results: {
          passed_checks: CheckovCheck[];
          failed_checks: CheckovCheck[];
          skipped_checks: CheckovCheck[];
        };
      }
    | { passed: number; failed: number };
  if (!('results' in parsed)) return { passed: [], failed: [], skipped: [] };
  return {
    passed: parsed.results.passed_checks,
    failed: parsed.results.failed_checks,
    skipped: parsed.results.skipped_checks,
  };
}
