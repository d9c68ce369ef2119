// Debugging entry: `node e2e/env/k8s/cli.ts build|up`.
//   build  builds (or finds cached) binaries and prints their directory.
//   up     starts a cluster, prints its kubeconfig path and an `export KUBECONFIG=...` line, and
//          keeps it running until Ctrl-C (SIGINT) or SIGTERM, then stops it and removes its files.
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
  log('stopping');
  await cluster.stop();
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
