// Starting and stopping what a chart e2e file needs: the shared cluster (and broker), helm, a
// private Helm home, and the file's own namespaces.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningEnvironment, startEnvironment } from '../env/environment.ts';
import { ensureBinaries } from '../env/k8s/binaries.ts';
import { createNamespaces } from '../support/namespace.ts';
import { type ChartTools, chartTools } from './tools.ts';

export interface ChartCluster {
  tools: ChartTools;
  kafkaBootstrap: string;
}

export interface ChartClusterHandle {
  environment: RunningEnvironment | undefined;
  helmHome: string | undefined;
  cluster: ChartCluster | undefined;
}

/** Fills `handle` as it goes, so closeChartCluster can undo a start that failed half-way. */
export async function openChartCluster(
  handle: ChartClusterHandle,
  namespaces: string[],
): Promise<ChartCluster> {
  handle.helmHome = await mkdtemp(join(tmpdir(), 'vpo-helm-'));
  handle.environment = await startEnvironment({ kafka: true, kubernetes: true });
  const helmBin = (await ensureBinaries((line) => console.error(line))).helm;
  const tools = chartTools({
    kubeconfig: handle.environment.kubeconfig!,
    helmBin,
    helmHome: handle.helmHome,
  });
  handle.cluster = { tools, kafkaBootstrap: handle.environment.kafkaBootstrap! };
  await createNamespaces((args) => tools.kubectl(...args), ...namespaces);
  return handle.cluster;
}

/** Stops the environment (only what it started) and removes the Helm home. */
export async function closeChartCluster(handle: ChartClusterHandle): Promise<void> {
  await handle.environment?.stop();
  if (handle.helmHome) await rm(handle.helmHome, { recursive: true, force: true });
}
