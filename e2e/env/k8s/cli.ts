// Debugging entry: `node e2e/env/k8s/cli.ts build|up`.
//   build  builds (or finds cached) binaries and prints their directory.
//   up     starts a cluster, prints its kubeconfig path and an `export KUBECONFIG=...` line, and
//          keeps it running until Ctrl-C (SIGINT) or SIGTERM, then stops it and removes its files.
import { readFileSync } from 'node:fs';
import { ensureBinaries } from './binaries.ts';
import { startKubernetes } from './cluster.ts';

const log = (line: string) => console.error(line);

async function up(): Promise<void> {
  const startedAt = Date.now();
  const cluster = await startKubernetes({ log });
  console.log(`export KUBECONFIG=${cluster.kubeconfig}`);
  log(`started in ${Date.now() - startedAt} ms; temp dir ${cluster.dir}`);
  for (const c of cluster.components) log(`  ${c.name} pid ${c.pid} log ${c.logPath}`);
  log('Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  log(peakMemoryReport(cluster.components));
  log('stopping');
  await cluster.stop();
}

/** Peak resident memory (VmHWM) of each component so far, and their sum, from /proc. */
function peakMemoryReport(components: readonly { name: string; pid: number }[]): string {
  let totalKiB = 0;
  const lines = components.map(({ name, pid }) => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      const kib = Number(match?.[1] ?? 0);
      totalKiB += kib;
      return `  ${name}: peak RSS ${(kib / 1024).toFixed(0)} MiB`;
    } catch (error) {
      return `  ${name}: peak RSS unknown (${(error as Error).message})`;
    }
  });
  return [...lines, `  sum of peaks: ${(totalKiB / 1024).toFixed(0)} MiB`].join('\n');
}

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'build':
      console.log((await ensureBinaries(log)).binDir);
      return;
    case 'up':
      return up();
    default:
      throw new Error(`usage: node e2e/env/k8s/cli.ts build|up (got ${command ?? 'nothing'})`);
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
