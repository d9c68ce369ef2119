// A throwaway Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and KWOK, with fake GPU nodes. Everything lives in one temp dir (certificates,
// etcd data, kubeconfig, one log per component) that stop() removes.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binariesIn, ensureBinaries, type K8sBinaries } from './binaries.ts';
import {
  apiserverArgs,
  controllerManagerArgs,
  etcdArgs,
  kwokArgs,
  type Ports,
  schedulerArgs,
} from './flags.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { DEFAULT_NODES, type FakeNodeSpec, KWOK_NODE_ANNOTATION } from './nodes.ts';
import { generatePki } from './pki.ts';
import { freePorts } from './ports.ts';
import { httpsGet, waitUntil } from './probes.ts';
import { type Component, logTail, startComponent } from './processes.ts';
import { registerNodes, waitForClusterReady } from './readiness.ts';

export interface StartKubernetesOptions {
  /** Fake nodes to register (default: DEFAULT_NODES). */
  nodes?: readonly FakeNodeSpec[];
  /** Use binaries from this directory instead of running build.sh. */
  binDir?: string;
  /** How long startup may take before it fails, in milliseconds (default 120000). */
  startTimeoutMs?: number;
  /** Keep the temp dir after stop() (logs, etcd data) for debugging. */
  keepDir?: boolean;
  /** Progress messages (building, starting, ready). */
  log?: (line: string) => void;
}

export interface KubernetesCluster {
  /** Path of an admin kubeconfig (client certificate, group system:masters). */
  kubeconfig: string;
  server: string;
  dir: string;
  components: readonly { name: string; pid: number; logPath: string }[];
  stop(): Promise<void>;
}

interface Running {
  dir: string;
  components: Component[];
  keepDir: boolean;
}

async function stopAll(running: Running): Promise<void> {
  // Clients first, etcd last, so nothing logs a storm of connection errors on the way down.
  for (const component of [...running.components].reverse()) await component.stop();
  if (!running.keepDir) await rm(running.dir, { recursive: true, force: true });
}

function assertAlive(components: readonly Component[]): () => void {
  return () => {
    const dead = components.find((c) => !c.isRunning());
    if (dead) throw new Error(`${dead.name} exited during startup (${dead.exitReason()})`);
  };
}

async function failureReport(error: unknown, components: readonly Component[], dir: string): Promise<Error> {
  const tails = await Promise.all(
    components.map(async (c) => `--- ${c.name} (${c.logPath}) ---\n${await logTail(c.logPath)}`),
  );
  const message = error instanceof Error ? error.message : String(error);
  return new Error(
    `Kubernetes test cluster failed to start: ${message}\n(logs were in ${dir})\n${tails.join('\n')}`,
    {
      cause: error,
    },
  );
}

export async function startKubernetes(opts: StartKubernetesOptions = {}): Promise<KubernetesCluster> {
  const log = opts.log ?? (() => {});
  const bins: K8sBinaries = opts.binDir ? binariesIn(opts.binDir) : await ensureBinaries(log);
  const deadline = Date.now() + (opts.startTimeoutMs ?? 120_000);
  const dir = await mkdtemp(join(tmpdir(), 'vpo-k8s-'));
  const running: Running = { dir, components: [], keepDir: opts.keepDir ?? false };
  // If the test process exits without calling stop(), leave no control plane behind.
  const onExit = () => {
    for (const c of running.components) c.killNow();
  };
  process.once('exit', onExit);
  const start = (name: string, command: string, args: string[]) => {
    const component = startComponent(name, command, args, join(dir, `${name}.log`));
    running.components.push(component);
    return component;
  };
  try {
    for (const sub of ['pki', 'etcd', 'certs']) await mkdir(join(dir, sub));
    const pki = await generatePki(join(dir, 'pki'));
    const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler] = await freePorts(5);
    const ports = { etcdClient, etcdPeer, apiserver, controllerManager, scheduler } as Ports;
    const alive = assertAlive(running.components);

    start('etcd', bins.etcd, etcdArgs(join(dir, 'etcd'), ports));
    await waitUntil(
      'etcd /health',
      deadline,
      async () => {
        const res = await fetch(`http://127.0.0.1:${ports.etcdClient}/health`);
        return res.ok && ((await res.json()) as { health?: string }).health === 'true';
      },
      alive,
    );

    start('kube-apiserver', bins.kube, apiserverArgs(pki, ports, join(dir, 'certs')));
    const server = `https://127.0.0.1:${ports.apiserver}`;
    const tls = {
      ca: await readFile(pki.caCert),
      cert: await readFile(pki.adminCert),
      key: await readFile(pki.adminKey),
    };
    await waitUntil(
      'kube-apiserver /readyz',
      deadline,
      async () => {
        const res = await httpsGet(`${server}/readyz`, tls);
        if (res.status !== 200) throw new Error(`/readyz ${res.status}: ${res.body.slice(-300)}`);
        return true;
      },
      alive,
    );

    const kubeconfig = join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfig, server, pki);
    start(
      'kube-controller-manager',
      bins.kube,
      controllerManagerArgs(pki, ports, kubeconfig, join(dir, 'certs')),
    );
    start('kube-scheduler', bins.kube, schedulerArgs(ports, kubeconfig, join(dir, 'certs')));
    start('kwok', bins.kwok, kwokArgs(kubeconfig, KWOK_NODE_ANNOTATION));

    const nodes = opts.nodes ?? DEFAULT_NODES;
    await registerNodes(kubeconfig, nodes);
    await waitForClusterReady({ kubeconfig, ports, nodes, deadline, alive });
    log(`Kubernetes test cluster ready at ${server} (kubeconfig ${kubeconfig})`);
    let stopped: Promise<void> | undefined;
    return {
      kubeconfig,
      server,
      dir,
      components: running.components.map(({ name, pid, logPath }) => ({ name, pid, logPath })),
      stop: () => {
        stopped ??= stopAll(running).finally(() => process.removeListener('exit', onExit));
        return stopped;
      },
    };
  } catch (error) {
    const report = await failureReport(error, running.components, dir);
    await stopAll(running);
    process.removeListener('exit', onExit);
    throw report;
  }
}
