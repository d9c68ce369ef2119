// What the full-path and closed-loop e2e tests share: `helm install` of charts/vpo with the test
// env's Kafka (its frame-store claim pre-bound to a PersistentVolume, as there is no provisioner),
// the operator run from the sources as a child process with the installed Deployment's args and
// its ServiceAccount's token (the chart's own operator pods never execute: KWOK has no kubelet),
// the kubelet stand-in for the pipeline namespace, and a test copy of the sample manifests.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, loadAll } from 'js-yaml';
import { ensureBinaries } from '../env/k8s/binaries.ts';
import { stopProcessGroup } from '../env/process.ts';
import { eventually as supportEventually } from '../support/eventually.ts';
import { exec, type Kubectl, type KubectlJson, kubectlIn, kubeEnv } from '../support/kubectl.ts';
import { createNamespaces, deleteNamespaces } from '../support/namespace.ts';
import {
  deploymentOperatorArgs,
  envWithoutKubeconfig,
  type OperatorProcess,
  spawnOperator,
  writeTokenKubeconfig,
} from '../support/operator-process.ts';
import { KubeletStandIn } from './kubelet-standin.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
const IMAGE = 'ghcr.io/vpo-dev/vpo:0.1.0';

export interface Installed {
  namespace: string;
  pipelines: string;
  kubectl: Kubectl;
  json: KubectlJson;
  harness: KubeletStandIn;
  operatorLog(): string;
  stop(): Promise<void>;
}

/** support/eventually, positional: the bound, then more for the reader of a failed wait. */
export const eventually = <T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
  detail: () => string | Promise<string> = () => '',
): Promise<T> => supportEventually(what, probe, { timeoutMs, detail });

/**
 * The runtime image on this machine: `node bin/vpo.ts`, its /models the sample's model dir. With
 * `emulateDevice`, backend pods get `--emulate-device-latency`: this machine's CPU is far faster
 * than the profiled GPUs, so each batch is padded to the planned product's ℓ(b) and a KWOK GPU
 * node behaves like the GPU it advertises (lag grows when the plan is short).
 */
export function vpoImage(image: string, emulateDevice = false) {
  // The CUDA variant's stand-in is this checkout too (with what npm run setup:cuda installed, if any).
  if (image !== IMAGE && image !== `${IMAGE}-cuda`) return undefined;
  return {
    entrypoint: [process.execPath, join(ROOT, 'bin', 'vpo.ts')],
    // The image's /models (models baked in, or the chart's model claim) is the sample's.
    paths: { '/models': join(ROOT, 'samples', 'video-classifier', 'models') },
    extraArgs: (args: string[]) => {
      if (args[0] !== 'runtime') return [];
      const backend = args.some(
        (a, i) => a === '--role=backend' || (a === 'backend' && args[i - 1] === '--role'),
      );
      return [
        '--model-root',
        join(ROOT, 'samples', 'video-classifier'),
        ...(emulateDevice && backend ? ['--emulate-device-latency'] : []),
      ];
    },
  };
}

/** Writes the sample manifests, changed by `edit`, to a temp dir for `kubectl apply -f`. */
export async function testSamples(
  // biome-ignore lint/suspicious/noExplicitAny: manifests are edited by path
  edit: (doc: any) => void,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vpo-samples-'));
  for (const file of ['pipeline.yaml', 'sessions.yaml']) {
    const docs = loadAll(await readFile(join(ROOT, 'samples', 'video-classifier', file), 'utf8'));
    for (const doc of docs) edit(doc);
    await writeFile(join(dir, file), docs.map((d) => dump(d)).join('---\n'));
  }
  return dir;
}

export async function installVpo(opts: {
  kubeconfig: string;
  kafkaBootstrap: string;
  name: string;
  operatorArgs?: string[];
  /** Backend pods emulate the planned GPU's speed (vpoImage). */
  emulateDevice?: boolean;
}): Promise<Installed> {
  const namespace = `${opts.name}-sys-${process.pid}`;
  const pipelines = `${opts.name}-${process.pid}`;
  const release = opts.name;
  const fullname = `${release}-vpo`;
  const storageClass = `${opts.name}-rwx-${process.pid}`;
  const pv = `${pipelines}-frames`;
  const helmHome = await mkdtemp(join(tmpdir(), 'vpo-helm-'));
  const env = kubeEnv(opts.kubeconfig, helmHome);
  const { kubectl, json } = kubectlIn(env);
  const helm = (await ensureBinaries(() => {})).helm;
  await createNamespaces(kubectl, namespace, pipelines);
  await kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pv },
      spec: {
        capacity: { storage: '10Gi' },
        accessModes: ['ReadWriteMany'],
        storageClassName: storageClass,
        claimRef: { namespace: pipelines, name: `${fullname}-frames` },
        nfs: { server: 'nfs.example.internal', path: `/${pv}` },
      },
    }),
  );
  await exec(
    helm,
    ['install', release, join(ROOT, 'charts', 'vpo'), '--namespace', namespace]
      .concat(['--set', `kafka.bootstrapServers=${opts.kafkaBootstrap.replaceAll(',', '\\,')}`])
      .concat(['--set', `frameStore.persistentVolumeClaim.storageClassName=${storageClass}`])
      .concat(['--set', 'frameStore.persistentVolumeClaim.size=1Gi', '--set', 'replicaCount=1'])
      .concat([
        '--set',
        `operator.watchNamespace=${pipelines}`,
        '--set',
        `frameStore.namespaces={${pipelines}}`,
      ]),
    env,
  );
  const harness = new KubeletStandIn({
    kubeconfig: opts.kubeconfig,
    namespace: pipelines,
    imageFor: (image: string) => vpoImage(image, opts.emulateDevice ?? false),
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: helmHome },
  });
  await harness.start();
  const operator = await startOperator(kubectl, json, namespace, fullname, helmHome, opts.operatorArgs ?? []);
  return {
    namespace,
    pipelines,
    kubectl,
    json,
    harness,
    operatorLog: () => operator.logs.join('').slice(-4000),
    async stop() {
      await harness.stop();
      if (operator.child.pid) await stopProcessGroup(operator.child.pid, 10_000);
      await exec(helm, ['uninstall', release, '--namespace', namespace], env).catch(() => '');
      await deleteNamespaces(kubectl, namespace, pipelines);
      await kubectl(['delete', 'pv', pv, '--wait=false']).catch(() => '');
      await rm(helmHome, { recursive: true, force: true });
    },
  };
}

/** `vpo operator` with the installed Deployment's args (as the kubelet expands them) and its token. */
async function startOperator(
  kubectl: Installed['kubectl'],
  json: Installed['json'],
  namespace: string,
  fullname: string,
  dir: string,
  extra: string[],
): Promise<OperatorProcess> {
  const deployment = await json(['get', 'deployment', '-n', namespace, fullname]);
  const args = deploymentOperatorArgs(deployment, namespace, `${fullname}-under-test`);
  const token = (await kubectl(['create', 'token', fullname, '-n', namespace, '--duration=1h'])).trim();
  const kubeconfig = await writeTokenKubeconfig(
    join(dir, 'operator.kubeconfig'),
    await clusterOf(kubectl),
    token,
  );
  return spawnOperator(
    [join(ROOT, 'bin', 'vpo.ts'), ...args, `--kubeconfig=${kubeconfig}`, ...extra],
    envWithoutKubeconfig(),
    { detached: true },
  );
}

async function clusterOf(kubectl: Installed['kubectl']): Promise<{ name: string; cluster: object }> {
  const config = JSON.parse(await kubectl(['config', 'view', '--raw', '-o', 'json']));
  return config.clusters[0];
}
