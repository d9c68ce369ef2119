#!/usr/bin/env node
// The one vpo CLI. Each subcommand lives in its own module and is loaded on demand, so
// `vpo plan` never pays for onnxruntime or kafkajs. It is also the launcher of the CUDA provider:
// the dynamic loader reads LD_LIBRARY_PATH only when a process starts, so when `npm run setup:cuda`
// installed the CUDA libraries and a command that loads models runs without them on the path, vpo
// runs itself again with their folder in front (the CUDA image sets the variable, so pods never do).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, { module: string; exportName: string; summary: string }> = {
  plan: {
    module: '../operator/cli/plan-command.ts',
    exportName: 'planCommand',
    summary: 'plan GPUs for pipelines',
  },
  simulate: {
    module: '../simulate/simulate-command.ts',
    exportName: 'simulateCommand',
    summary: 'simulate a plan at cluster scale',
  },
  run: {
    module: '../embedded/run-command.ts',
    exportName: 'runCommand',
    summary: 'run a pipeline locally',
  },
  profile: {
    module: '../runtime/cli/profile-command.ts',
    exportName: 'profileCommand',
    summary: 'measure a model, or (--ingest) what videos cost the ingest',
  },
  doctor: {
    module: '../runtime/cli/doctor-command.ts',
    exportName: 'doctorCommand',
    summary: 'what this machine can run',
  },
  runtime: {
    module: '../runtime/cli/runtime-command.ts',
    exportName: 'runtimeCommand',
    summary: 'run a runtime role',
  },
  acls: {
    module: '../operator/cli/acls-command.ts',
    exportName: 'aclsCommand',
    summary: 'print the Kafka ACLs of least privilege',
  },
  operator: {
    module: '../operator/cli/operator-command.ts',
    exportName: 'operatorCommand',
    summary: 'run the operator',
  },
};

/** Commands that may load a model on a provider. */
const LOADS_MODELS = new Set(['run', 'profile', 'runtime', 'doctor']);

/** The new LD_LIBRARY_PATH when this process must start again to find the CUDA libraries. */
async function cudaLibraryPath(name: string): Promise<string | undefined> {
  if (!LOADS_MODELS.has(name)) return undefined;
  const install = await import('../runtime/inference/provider-install.ts');
  let record: ReturnType<typeof install.readCudaInstall>;
  try {
    record = install.readCudaInstall();
  } catch {
    return undefined; // `vpo doctor` reports the unreadable record
  }
  return install.libraryPathWithCuda(process.env.LD_LIBRARY_PATH, record);
}

/** Runs this CLI again in a child with `libraryPath`; signals pass through; its exit is ours. */
function relaunch(argv: string[], libraryPath: string): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...argv], {
    stdio: 'inherit',
    env: { ...process.env, LD_LIBRARY_PATH: libraryPath },
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward(signal));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)),
    );
  });
}

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: vpo <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === 'version') {
    process.stdout.write(`vpo ${version()}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const entry = commands[name];
  if (!entry) {
    process.stderr.write(`vpo: unknown command '${name}'\n${usage()}`);
    return 1;
  }
  const libraryPath = await cudaLibraryPath(name);
  if (libraryPath) return relaunch(argv, libraryPath);
  const mod = (await import(entry.module)) as Record<string, Command>;
  const command = mod[entry.exportName];
  if (!command) throw new Error(`vpo: ${entry.module} does not export ${entry.exportName}`);
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`vpo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
