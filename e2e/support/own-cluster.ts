// $KUBECONFIG when set, else a cluster of the file's own (stopped by the caller), loaded for the client.
import { KubeConfig } from '@kubernetes/client-node';
import { type KubernetesCluster, startKubernetes } from '../env/k8s/cluster.ts';

export async function kubeConfigOrOwnCluster(): Promise<{ config: KubeConfig; cluster?: KubernetesCluster }> {
  let kubeconfig = process.env.KUBECONFIG;
  let cluster: KubernetesCluster | undefined;
  if (!kubeconfig) {
    cluster = await startKubernetes({ log: (line) => console.error(line) });
    kubeconfig = cluster.kubeconfig;
  }
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  return cluster ? { config, cluster } : { config };
}
