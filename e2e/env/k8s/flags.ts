// Command lines of the control-plane components, all listening on 127.0.0.1 only.
import { join } from 'node:path';
import type { Pki } from './pki.ts';

export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
}

export const KWOK_STAGES = join(import.meta.dirname, 'kwok-stages.yaml');

export function etcdArgs(dataDir: string, ports: Ports): string[] {
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return [
    '--name=vpo-e2e',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=vpo-e2e=${peer}`,
    // A test cluster is thrown away: durability buys nothing and fsync costs seconds on shared disks.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

export function apiserverArgs(pki: Pki, ports: Ports, certDir: string): string[] {
  return [
    'apiserver',
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.apiserver}`,
    `--cert-dir=${certDir}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--service-account-key-file=${pki.serviceAccountKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--service-cluster-ip-range=10.96.0.0/16',
    '--authorization-mode=Node,RBAC',
    '--allow-privileged=true',
    '--enable-priority-and-fairness=false',
    '--profiling=false',
  ];
}

export function controllerManagerArgs(pki: Pki, ports: Ports, kubeconfig: string, certDir: string): string[] {
  return [
    'controller-manager',
    `--kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.controllerManager}`,
    `--cert-dir=${certDir}`,
    '--leader-elect=false',
    `--root-ca-file=${pki.caCert}`,
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    '--profiling=false',
  ];
}

export function schedulerArgs(ports: Ports, kubeconfig: string, certDir: string): string[] {
  return [
    'scheduler',
    `--kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.scheduler}`,
    `--cert-dir=${certDir}`,
    '--leader-elect=false',
  ];
}

export function kwokArgs(kubeconfig: string, nodeAnnotation: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--config=${KWOK_STAGES}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${nodeAnnotation}=fake`,
    '--node-lease-duration-seconds=40',
    // Fake pod IPs (never connected to); the default /24 runs out at 254 pods.
    '--cidr=10.244.0.0/16',
  ];
}
