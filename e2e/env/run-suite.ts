/**
 * Runs one test suite against the shared environment:
 *   node e2e/env/run-suite.ts integration|e2e [extra node --test flags]
 *
 * The suite's files are found here (not by `node --test` globs) so that an absent suite is
 * visible: the integration suite must have files (it fails otherwise), while the e2e suite may
 * have none yet and then says so and starts nothing. Running files always goes through
 * `node --test` with the suite's global setup, so one environment serves all files of a run.
 */
import { spawn } from 'node:child_process';
import { glob } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface Suite {
  patterns: string[];
  globalSetup: string;
  /** Whether zero files is acceptable (a suite that is still being written). */
  mayBeEmpty: boolean;
  /**
   * Test files run at once. The e2e files share one cluster whose Nodes and GPUs are
   * cluster-wide (a test that fills every GPU, or adds a node of its own, would disturb another
   * running beside it), so they run one at a time; the integration files only share the broker.
   */
  concurrency: number;
}

const SUITES: Record<string, Suite> = {
  integration: {
    patterns: ['e2e/**/*.integration.test.ts', 'runtime/**/*.integration.test.ts'],
    globalSetup: 'global-setup-integration.ts',
    mayBeEmpty: false,
    concurrency: 2,
  },
  e2e: {
    patterns: ['e2e/**/*.e2e.test.ts'],
    globalSetup: 'global-setup-e2e.ts',
    mayBeEmpty: true,
    concurrency: 1,
  },
};

export async function suiteFiles(patterns: string[], cwd: string): Promise<string[]> {
  const files = new Set<string>();
  for (const pattern of patterns) {
    for await (const file of glob(pattern, { cwd, exclude: (name) => name.includes('node_modules') })) {
      files.add(file);
    }
  }
  return [...files].sort();
}

async function main(argv: string[]): Promise<number> {
  const [name, ...extraFlags] = argv;
  const suite = name === undefined ? undefined : SUITES[name];
  if (!suite) throw new Error(`usage: run-suite.ts ${Object.keys(SUITES).join('|')} [flags]; got ${name}`);
  const files = await suiteFiles(suite.patterns, process.cwd());
  if (files.length === 0) {
    if (suite.mayBeEmpty) {
      console.log(`test:${name}: no files match ${suite.patterns.join(' ')}; nothing to run`);
      return 0;
    }
    throw new Error(`test:${name}: no files match ${suite.patterns.join(' ')}`);
  }
  const setup = fileURLToPath(new URL(`./${suite.globalSetup}`, import.meta.url));
  const args = [
    '--test',
    `--test-concurrency=${suite.concurrency}`,
    `--test-global-setup=${setup}`,
    ...extraFlags,
    ...files,
  ];
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

await main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  },
);
