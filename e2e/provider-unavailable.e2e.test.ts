// biome-ignore-all lint/suspicious/noExplicitAny: the test reads kubectl JSON by path
// A cuda pipeline whose backend lands on a node that cannot run CUDA, as a user meets it: the
// backend pod's container really runs (`vpo runtime --role backend`, its provider check as `vpo
// doctor` makes it), refuses to start and writes why to its termination-message file; the kubelet
// copies that into the pod's status; the VideoPipeline then says which backend group cannot run
// and why (Ready=False ProviderUnavailable), never that it runs on the CPU.
//
// KWOK runs no containers and reports no termination messages, so the backend's node here is one
// KWOK does not manage (no kwok annotation), product E2E-CUDA, whose kubelet is this test (as in
// profiling.e2e.test.ts): it runs the bound backend pod's container once as a local process with
// the harness's pod-launch rules (mount paths and the termination-message path remapped), then
// reports the pod as a kubelet does for a container in CrashLoopBackOff: lastState.terminated
// with the message the container wrote. This machine has no NVIDIA driver, so the backend must
// refuse its cuda session with the line `vpo doctor` prints for cuda here.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { getKubernetesTestEnv } from './env/environment.ts';
import { podLaunch } from './harness/pod-launch.ts';
import { applyCrds } from './support/crds.ts';
import { eventually } from './support/eventually.ts';
import { kubectlIn, kubeEnv } from './support/kubectl.ts';
import { createNamespaces, deleteNamespaces } from './support/namespace.ts';
import { localOperatorArgs, spawnOperator } from './support/operator-process.ts';

const env = getKubernetesTestEnv();
const ns = `pu-e2e-${process.pid}`;
const product = `E2E-CUDA-${process.pid}`;
const nodeName = `pu-e2e-${process.pid}`;
const kenv = kubeEnv(env.kubeconfig);
const root = mkdtempSync(join(tmpdir(), 'vpo-pu-e2e-'));
const { kubectl, json } = kubectlIn(kenv);
const condition = (obj: any, type: string) => obj.status?.conditions?.find((c: any) => c.type === type);

async function heartbeat(): Promise<void> {
  const now = new Date().toISOString();
  const resources = { cpu: '8', memory: '32Gi', pods: '10', 'nvidia.com/gpu': '2' };
  const status = {
    allocatable: resources,
    capacity: resources,
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'e2e',
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      },
    ],
  };
  await kubectl([
    'patch',
    'node',
    nodeName,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status }),
  ]);
}

/** Runs each backend pod bound to our node once; reports it in CrashLoopBackOff with its message. */
function backendKubelet(): { stop(): void; runs: { args: string[]; message: string; code: number }[] } {
  const seen = new Set<string>();
  const children = new Set<ChildProcess>();
  const runs: { args: string[]; message: string; code: number }[] = [];
  let stopped = false;
  const runPod = async (pod: any) => {
    const container = pod.spec.containers[0];
    const dir = mkdtempSync(join(root, 'pod-'));
    const terminationLog = join(dir, 'termination-log');
    writeFileSync(terminationLog, '');
    const mounts: Record<string, string> = { [container.terminationMessagePath]: terminationLog };
    for (const m of container.volumeMounts ?? []) {
      const volume = pod.spec.volumes.find((v: any) => v.name === m.name);
      const host = join(dir, 'volumes', m.name);
      mkdirSync(host, { recursive: true });
      if (volume?.configMap) {
        const cm = await json(['get', 'configmap', volume.configMap.name, '-n', ns]);
        for (const [key, text] of Object.entries(cm.data ?? {}))
          writeFileSync(join(host, key), text as string);
      }
      mounts[m.mountPath] = host;
    }
    const image = { entrypoint: [process.execPath, 'bin/vpo.ts'] };
    // Every declared port on a free one (0): the ops server starts before the provider check.
    const ports = Object.fromEntries((container.ports ?? []).map((p: any) => [p.containerPort, 0]));
    const launch = podLaunch(pod, container, image, mounts, ports, { PATH: process.env.PATH ?? '' });
    const startedAt = new Date().toISOString();
    const child = spawn(launch.command, launch.args, {
      env: launch.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.add(child);
    let log = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      log = (log + d).slice(-2000);
    });
    const code: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 137)));
    children.delete(child);
    // terminationMessagePolicy FallbackToLogsOnError: the log tail when a failed container wrote nothing.
    const message = readFileSync(terminationLog, 'utf8') || (code !== 0 ? log : '');
    runs.push({ args: launch.args, message, code });
    const status = {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
      containerStatuses: [
        {
          name: container.name,
          image: container.image,
          imageID: '',
          ready: false,
          started: false,
          restartCount: 1,
          state: {
            waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' },
          },
          lastState: {
            terminated: {
              exitCode: code,
              reason: 'Error',
              message,
              startedAt,
              finishedAt: new Date().toISOString(),
            },
          },
        },
      ],
    };
    await kubectl([
      'patch',
      'pod',
      pod.metadata.name,
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status }),
    ]);
  };
  const loop = async () => {
    while (!stopped) {
      const pods = await json(['get', 'pods', '-n', ns, '-l', 'serving.vpo.dev/role=backend']).catch(() => ({
        items: [],
      }));
      for (const pod of pods.items) {
        if (pod.spec.nodeName !== nodeName || seen.has(pod.metadata.uid)) continue;
        seen.add(pod.metadata.uid);
        void runPod(pod).catch((err) =>
          runs.push({ args: [], message: `failed to run: ${err.message}`, code: -1 }),
        );
      }
      await heartbeat().catch(() => {});
      await sleep(500);
    }
  };
  void loop();
  return {
    runs,
    stop() {
      stopped = true;
      for (const c of children) c.kill('SIGKILL');
    },
  };
}

const manifests = `apiVersion: serving.vpo.dev/v1alpha1
kind: ModelSession
metadata: {name: scene, namespace: ${ns}}
spec:
  model: {uri: "file:///models/scene.onnx"}
  input: {name: frames, layout: NFCHW, frames: 8, width: 64, height: 64}
  output: {name: logits, labels: [dark, bright, colorful]}
  batching: {maxBatchSize: 4}
  executionProvider: cuda
  resources: {cpu: "1", memory: 1Gi}
  profiles:
  - gpuProduct: ${product}
    points: [{batchSize: 1, latencyMicros: 2000, memoryMiB: 900}, {batchSize: 4, latencyMicros: 5000, memoryMiB: 1100}]
---
apiVersion: serving.vpo.dev/v1alpha1
kind: VideoPipeline
metadata: {name: scenes, namespace: ${ns}}
spec:
  sampling: {frames: 8, width: 64, height: 64}
  load: {videosPerSecond: "1"}
  latencySLO: {p99Ms: 20000}
  stages: [{name: scene, sessionRef: {name: scene}}]
  placement: {gpuProducts: [${product}]}
`;

describe('a cuda backend on a node without CUDA', () => {
  let operator: ChildProcess | undefined;
  let kubelet: ReturnType<typeof backendKubelet> | undefined;
  let logs: string[] = [];

  before(async () => {
    await createNamespaces(kubectl, ns);
    await applyCrds(kubectl, 'CRDs to apply', [
      'crd/modelsessions.serving.vpo.dev',
      'crd/videopipelines.serving.vpo.dev',
    ]);
    const labels = {
      'kubernetes.io/hostname': nodeName,
      'nvidia.com/gpu.product': product,
      'nvidia.com/gpu.memory': '16384',
    };
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName, labels } }),
    );
    await heartbeat();
    kubelet = backendKubelet();
    const args = localOperatorArgs(ns, [
      '--load-epoch-ms',
      '0',
      '--kafka-bootstrap',
      env.kafkaBootstrap,
      '--image',
      'vpo:e2e',
    ]);
    ({ child: operator, logs } = spawnOperator(args, kenv));
  });

  after(async () => {
    kubelet?.stop();
    operator?.kill('SIGTERM');
    await kubectl(['delete', 'node', nodeName, '--wait=false']).catch(() => {});
    await deleteNamespaces(kubectl, ns);
    rmSync(root, { recursive: true, force: true });
  });

  test('the backend refuses its cuda session with the doctor line, and the pipeline says which group and why', async () => {
    const doctor = JSON.parse(
      (
        await promisify(execFile)(process.execPath, ['bin/vpo.ts', 'doctor', '-o', 'json'], {
          encoding: 'utf8',
        })
      ).stdout,
    );
    const cuda = doctor.providers.find((p: any) => p.name === 'cuda');
    assert.equal(cuda.usable, false, 'this check needs a machine where cuda cannot run');
    await kubectl(['apply', '-f', '-'], manifests);
    const deployment = await eventually('the backend Deployment', async () => {
      const list = (await json(['get', 'deployments', '-n', ns, '-l', 'serving.vpo.dev/role=backend'])).items;
      return list[0];
    });
    const container = deployment.spec.template.spec.containers[0];
    assert.equal(container.image, 'vpo:e2e-cuda', 'a cuda backend runs the CUDA image');
    assert.equal(container.terminationMessagePath, '/dev/termination-log');
    const vp = await eventually(
      'Ready=False ProviderUnavailable',
      async () => {
        const o = await json(['get', 'vp', 'scenes', '-n', ns]);
        return condition(o, 'Ready')?.reason === 'ProviderUnavailable' ? o : undefined;
      },
      120_000,
    ).catch(async (err) => {
      throw new Error(
        `${err.message}\nruns: ${JSON.stringify(kubelet?.runs)}\n${logs.join('').slice(-2000)}`,
      );
    });
    const run = kubelet!.runs[0]!;
    assert.equal(run.code, 1);
    assert.ok(
      run.message.startsWith(`ProviderUnavailable: stage scene (session scene) needs cuda: ${cuda.summary}`),
      run.message,
    );
    const ready = condition(vp, 'Ready');
    assert.equal(ready.status, 'False');
    assert.ok(
      ready.message.startsWith(
        `backend group ${deployment.metadata.name} cannot start: stage scene (session scene) needs cuda: ${cuda.summary}`,
      ),
      ready.message,
    );
    assert.match(
      condition(vp, 'Degraded').message,
      /no backend group is available: backend group .* cannot start/,
    );
    const table = await kubectl(['get', 'vp', 'scenes', '-n', ns, '-o', 'wide']);
    assert.match(table, /cannot start: stage scene \(session scene\) needs cuda/);
  });
});
