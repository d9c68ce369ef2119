// A TEST HARNESS THAT STANDS IN FOR THE KUBELET, and nothing more. KWOK makes fake nodes Ready
// and pods Running but executes nothing (it has no kubelet); this harness does the one kubelet job
// KWOK leaves out: it watches the Pods of one namespace that carry vpo's labels and are bound to a
// KWOK node (spec.nodeName set), and runs each one's container as a local process:
// - the image's entrypoint is replaced by a local one (for the vpo image, `node bin/vpo.ts`);
// - volumes become host directories: a ConfigMap is written into a temp dir (its keys as files)
//   and, as a kubelet does, rewritten when the ConfigMap changes (polled every 2 s; each file
//   replaced by a rename, so a reader never sees half of it),
//   a PersistentVolumeClaim is one directory per claim shared by every pod that mounts it (the RWX
//   frame store stand-in), an emptyDir is a fresh directory per pod; every path under a
//   volumeMount in the args and env is remapped to that directory (pod-launch.ts);
// - each declared containerPort gets a free port on 127.0.0.1 (`--port` remapped);
// - env from secretKeyRef is read from the Secret in the pod's namespace, as a kubelet does;
// - the process is stopped (SIGTERM, then SIGKILL) when the pod is deleted or the harness stops,
//   and a watchdog kills it if the test process dies first: no process is left behind.
// KWOK still owns pod status; the harness writes nothing to the API server. Exits of processes
// whose pod still exists are recorded (`unexpectedExits`), with the log tail, for assertions.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { stopProcessGroup, watchOwner } from '../env/process.ts';
import {
  type LocalImage,
  type PodContainer,
  type PodLike,
  podLaunch,
  referencedSecrets,
} from './pod-launch.ts';

export interface HarnessOptions {
  kubeconfig: string;
  namespace: string;
  /** Label selector of the pods to run (default: the pods the vpo operator manages). */
  labelSelector?: string;
  /** The local stand-in for an image, or undefined for images this harness does not run. */
  imageFor: (image: string) => LocalImage | undefined;
  /** Environment every process starts with (PATH, …); the pod's env goes on top. */
  baseEnv?: Record<string, string>;
}

export interface PodRun {
  namespace: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  node: string;
  /** http://127.0.0.1:<port> for the first containerPort. */
  url: string | undefined;
  /** The same for the containerPort named `http` (the ingest API), when declared. */
  apiUrl?: string;
  args: string[];
  logFile: string;
  /** How the process ended; `message`: what it wrote to its termination-message file. */
  exit?: { code: number | null; signal: string | null; logTail: string; message?: string };
}

interface Running extends PodRun {
  child: ChildProcess;
  watchdog: number;
  deleted: boolean;
  exited: Promise<void>;
  stopping?: Promise<void>;
}

const KWOK_NODE = 'kwok.x-k8s.io/node';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class KubeletStandIn {
  private readonly runs = new Map<string, Running>();
  private readonly finished: PodRun[] = [];
  private readonly kwokNodes = new Map<string, boolean>();
  private readonly starting = new Set<string>();
  private readonly deletedUids = new Set<string>();
  private readonly core: CoreV1Api;
  private readonly kc = new KubeConfig();
  private abort: AbortController | undefined;
  private stopped = false;
  private root = '';

  private readonly options: HarnessOptions;

  constructor(options: HarnessOptions) {
    this.options = options;
    this.kc.loadFromFile(options.kubeconfig);
    this.core = this.kc.makeApiClient(CoreV1Api);
  }

  async start(): Promise<void> {
    this.root = await mkdtemp(join(tmpdir(), 'vpo-kubelet-'));
    void this.loop();
    void this.refreshConfigMaps();
  }

  /** Mounted ConfigMap volumes: where they are and what was last written there. */
  private readonly configVolumes = new Map<string, { namespace: string; name: string; written: string }>();

  /** Keeps mounted ConfigMaps current, as a kubelet's volume manager does (it takes up to a minute). */
  private async refreshConfigMaps(): Promise<void> {
    while (!this.stopped) {
      await sleep(2000);
      for (const [dir, volume] of this.configVolumes) {
        try {
          const data =
            (await this.core.readNamespacedConfigMap({ namespace: volume.namespace, name: volume.name }))
              .data ?? {};
          const text = JSON.stringify(data);
          if (text === volume.written) continue;
          for (const [key, value] of Object.entries(data)) {
            await writeFile(join(dir, `.${key}.tmp`), value);
            await rename(join(dir, `.${key}.tmp`), join(dir, key));
          }
          volume.written = text;
        } catch {
          // The pod's directory is gone (it stopped) or the ConfigMap was deleted: stop following it.
          this.configVolumes.delete(dir);
        }
      }
    }
  }

  /** Pods with a live process. */
  running(): PodRun[] {
    return [...this.runs.values()]
      .filter((r) => !r.exit && !r.deleted)
      .map(({ child, watchdog, exited, stopping, ...r }) => r);
  }

  /** Processes that failed while their pod still existed (a crash, as a kubelet would see it). */
  unexpectedExits(): PodRun[] {
    const live = [...this.runs.values()].map(({ child, watchdog, exited, stopping, ...r }) => r);
    const all: (PodRun & { deleted?: boolean })[] = [...this.finished, ...live];
    // A Job's pod that completes exits 0: only failures count.
    return all.filter((r) => r.exit && !r.deleted && (r.exit.code !== 0 || r.exit.signal));
  }

  /** The last lines of every running process's output, for error messages. */
  async logTails(bytes = 1500): Promise<string> {
    const tails = await Promise.all(
      this.running().map(async (r) => {
        const text = await readFile(r.logFile, 'utf8').catch(() => '');
        return `--- ${r.name} (${r.args.join(' ')}):\n${text.slice(-bytes)}`;
      }),
    );
    return tails.join('\n');
  }

  /** The shared directory standing in for a PersistentVolumeClaim. */
  claimDir(claim: string): string {
    return join(this.root, 'claims', claim);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    await Promise.all([...this.runs.keys()].map((uid) => this.stopPod(uid)));
    await rm(this.root, { recursive: true, force: true });
  }

  /** List, reconcile, watch; again from a fresh list when the watch ends. */
  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const list = await this.core.listNamespacedPod({
          namespace: this.options.namespace,
          labelSelector: this.labelSelector(),
        });
        const live = new Set<string>();
        for (const pod of list.items) {
          live.add(pod.metadata?.uid ?? '');
          this.onPod('ADDED', pod as unknown as PodLike & { metadata: { deletionTimestamp?: string } });
        }
        for (const uid of this.runs.keys()) if (!live.has(uid)) void this.stopPod(uid);
        await new Promise<void>((resolve) => {
          new Watch(this.kc)
            .watch(
              `/api/v1/namespaces/${this.options.namespace}/pods`,
              { labelSelector: this.labelSelector(), resourceVersion: list.metadata?.resourceVersion },
              (type, pod) => this.onPod(type, pod),
              () => resolve(),
            )
            .then(
              (abort) => {
                this.abort = abort;
              },
              () => resolve(),
            );
        });
      } catch {
        // The API server restarting or a network hiccup: list again shortly.
      }
      if (!this.stopped) await sleep(500);
    }
  }

  private labelSelector(): string {
    return this.options.labelSelector ?? 'app.kubernetes.io/managed-by=vpo-operator';
  }

  private onPod(type: string, pod: PodLike & { metadata: { deletionTimestamp?: string } }): void {
    const uid = pod.metadata.uid;
    if (type === 'DELETED' || pod.metadata.deletionTimestamp) {
      this.deletedUids.add(uid);
      void this.stopPod(uid);
      return;
    }
    if (
      !pod.spec.nodeName ||
      this.deletedUids.has(uid) ||
      this.runs.has(uid) ||
      this.starting.has(uid) ||
      this.stopped
    )
      return;
    this.starting.add(uid);
    this.startPod(pod)
      .catch((error: Error) => {
        this.finished.push({
          namespace: pod.metadata.namespace,
          name: pod.metadata.name,
          uid,
          labels: pod.metadata.labels ?? {},
          node: pod.spec.nodeName ?? '',
          url: undefined,
          args: [],
          logFile: '',
          exit: { code: null, signal: null, logTail: `harness could not start it: ${error.message}` },
        });
      })
      .finally(() => this.starting.delete(uid));
  }

  private async isKwokNode(name: string): Promise<boolean> {
    let known = this.kwokNodes.get(name);
    if (known === undefined) {
      const node = await this.core.readNode({ name });
      known = node.metadata?.annotations?.[KWOK_NODE] !== undefined;
      this.kwokNodes.set(name, known);
    }
    return known;
  }

  /** Host directories for the container's mounts (mountPath → dir). */
  private async volumes(pod: PodLike, container: PodContainer, podDir: string) {
    const mounts: Record<string, string> = {};
    for (const mount of container.volumeMounts ?? []) {
      const volume = (pod.spec.volumes ?? []).find((v) => v.name === mount.name) as
        | Record<string, { name?: string; claimName?: string }>
        | undefined;
      let dir: string;
      if (volume?.configMap?.name) {
        dir = join(podDir, 'volumes', mount.name);
        await mkdir(dir, { recursive: true });
        const data = await this.configMapData(pod.metadata.namespace, volume.configMap.name);
        for (const [key, text] of Object.entries(data)) await writeFile(join(dir, key), text);
        this.configVolumes.set(dir, {
          namespace: pod.metadata.namespace,
          name: volume.configMap.name,
          written: JSON.stringify(data),
        });
      } else if (volume?.persistentVolumeClaim?.claimName) {
        dir = this.claimDir(`${pod.metadata.namespace}-${volume.persistentVolumeClaim.claimName}`);
      } else {
        dir = join(podDir, 'volumes', mount.name);
      }
      await mkdir(dir, { recursive: true });
      mounts[mount.mountPath] = dir;
    }
    return mounts;
  }

  /** A kubelet waits for a missing ConfigMap; so does this, for a while. */
  private async configMapData(namespace: string, name: string): Promise<Record<string, string>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.core.readNamespacedConfigMap({ namespace, name })).data ?? {};
      } catch (error) {
        if (attempt >= 60 || this.stopped) throw error;
        await sleep(500);
      }
    }
  }

  /** The Secrets the container's env refers to, decoded; a kubelet waits for a missing one too. */
  private async secrets(namespace: string, container: PodContainer) {
    const secrets: Record<string, Record<string, string>> = {};
    for (const name of referencedSecrets(container)) {
      for (let attempt = 0; ; attempt++) {
        try {
          const data = (await this.core.readNamespacedSecret({ namespace, name })).data ?? {};
          secrets[name] = Object.fromEntries(
            Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
          );
          break;
        } catch (error) {
          if (attempt >= 60 || this.stopped) throw error;
          await sleep(500);
        }
      }
    }
    return secrets;
  }

  private async startPod(pod: PodLike): Promise<void> {
    const container = pod.spec.containers[0];
    const image = container ? this.options.imageFor(container.image) : undefined;
    if (!container || !image || !(await this.isKwokNode(pod.spec.nodeName ?? ''))) return;
    const podDir = join(this.root, 'pods', `${pod.metadata.name}-${pod.metadata.uid.slice(0, 8)}`);
    await mkdir(podDir, { recursive: true });
    const mounts = await this.volumes(pod, container, podDir);
    // The kubelet gives each container a file for its termination message; so does this.
    const terminationLog = join(podDir, 'termination-log');
    await writeFile(terminationLog, '');
    mounts[container.terminationMessagePath ?? '/dev/termination-log'] = terminationLog;
    const ports: Record<number, number> = {};
    for (const p of container.ports ?? []) ports[p.containerPort] = await freePort();
    const secrets = await this.secrets(pod.metadata.namespace, container);
    const launch = podLaunch(pod, container, image, mounts, ports, this.options.baseEnv ?? {}, secrets);
    if (this.stopped) return;
    const logFile = join(podDir, 'container.log');
    const log = createWriteStream(logFile);
    const child = spawn(launch.command, launch.args, {
      env: launch.env,
      detached: true, // its own process group: ffmpeg children stop with it
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const first = container.ports?.[0]?.containerPort;
    const api = container.ports?.find((p) => p.name === 'http')?.containerPort;
    const run: Running = {
      namespace: pod.metadata.namespace,
      name: pod.metadata.name,
      uid: pod.metadata.uid,
      labels: pod.metadata.labels ?? {},
      node: pod.spec.nodeName ?? '',
      url: first !== undefined ? `http://127.0.0.1:${ports[first]}` : undefined,
      ...(api !== undefined ? { apiUrl: `http://127.0.0.1:${ports[api]}` } : {}),
      args: launch.args,
      logFile,
      child,
      watchdog: child.pid ? watchOwner(child.pid, process.pid, 10) : 0,
      deleted: false,
      exited: Promise.resolve(),
    };
    run.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        log.end();
        void readFile(logFile, 'utf8')
          .catch(() => '')
          .then((text) => {
            void readFile(terminationLog, 'utf8')
              .catch(() => '')
              .then((message) => {
                run.exit = { code, signal, logTail: text.slice(-3000), ...(message ? { message } : {}) };
                resolve();
              });
          });
      });
    });
    this.runs.set(pod.metadata.uid, run);
    if (this.deletedUids.has(pod.metadata.uid)) void this.stopPod(pod.metadata.uid);
  }

  private stopPod(uid: string): Promise<void> {
    const run = this.runs.get(uid);
    if (!run) return Promise.resolve();
    run.stopping ??= this.terminate(uid, run);
    return run.stopping;
  }

  private async terminate(uid: string, run: Running): Promise<void> {
    run.deleted = true;
    if (!run.exit && run.child.pid) await stopProcessGroup(run.child.pid, 10_000);
    await run.exited;
    if (run.watchdog) {
      try {
        process.kill(run.watchdog, 'SIGKILL');
      } catch {
        // The watchdog ends by itself once the process is gone.
      }
    }
    this.runs.delete(uid);
    const { child, watchdog, exited, stopping, ...done } = run;
    this.finished.push(done);
  }
}
