#!/usr/bin/env node
// The one vpo CLI. Each subcommand lives in its own module and is loaded on demand, so
// `vpo plan` never pays for onnxruntime or kafkajs.
import { readFileSync } from 'node:fs';

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
    summary: 'measure a model',
  },
  runtime: {
    module: '../runtime/cli/runtime-command.ts',
    exportName: 'runtimeCommand',
    summary: 'run a runtime role',
  },
  operator: {
    module: '../operator/cli/operator-command.ts',
    exportName: 'operatorCommand',
    summary: 'run the operator',
  },
};

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
