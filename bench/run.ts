// `npm run bench -- NAME [args…]`: runs bench/NAME.bench.ts, prints each figure as one JSON line
// and keeps a copy under bench/results/NAME.json. Benchmarks report ratios measured side by
// side in one run; they never fail the test suite.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  target: string;
  [compared: string]: unknown;
}

export interface Bench {
  run(args: string[]): Promise<BenchFigure[]>;
}

function available(): string[] {
  return readdirSync(new URL('.', import.meta.url))
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.slice(0, -'.bench.ts'.length))
    .sort();
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || !available().includes(name)) {
    process.stderr.write(`usage: npm run bench -- NAME\navailable: ${available().join(', ')}\n`);
    return 1;
  }
  const bench = (await import(`./${name}.bench.ts`)) as Bench;
  const figures = await bench.run(args);
  for (const figure of figures) process.stdout.write(`${JSON.stringify(figure)}\n`);
  const resultsDir = new URL('./results/', import.meta.url);
  mkdirSync(resultsDir, { recursive: true });
  const record = {
    bench: name,
    at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: os.totalmem() / 2 ** 30,
    },
    node: process.version,
    figures,
  };
  writeFileSync(new URL(`${name}.json`, resultsDir), `${JSON.stringify(record, null, 2)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
