// biome-ignore-all lint/suspicious/noExplicitAny: the test reads kubectl JSON by path
// Profiling as a user meets it: a ModelSession with no profile for the cluster's GPU products gets
// a profiling Job per product; the Job's `vpo profile` really runs, and its result lands in
// status.profiles, Profiled=True, and the pipeline that uses the session is planned on it.
//
// KWOK completes every Job pod at once and has no kubelet to report a termination message, so
// the measured product here is a node KWOK does not manage (no kwok annotation), product
// E2E-PRODUCT, whose kubelet is this test: it runs the bound profiling pod's container as a local
// process (the harness's pod-launch rules: mount paths remapped, the image's /models given by
// --model-root), then reports the pod's phase and the termination message as a kubelet does. The
// session's executionProvider is cpu: that is what this machine has, and a cpu measurement on a
// node is recorded against the node's product (the Job pins --gpu-product). The KWOK products
// (A100, T4) are profiled too; their pods "succeed" without a result, which must read as failed.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeSampleModels } from '../scripts/gen-models.ts';
import { getKubernetesTestEnv } from './env/environment.ts';
import { podLaunch } from './harness/pod-launch.ts';
import { applyCrds } from './support/crds.ts';
import { eventually } from './support/eventually.ts';
import { kubectlIn, kubeEnv } from './support/kubectl.ts';
import { createNamespaces, deleteNamespaces } from './support/namespace.ts';
import { localOperatorArgs, spawnOperator } from './support/operator-process.ts';

const env = getKubernetesTestEnv();
const ns = `prof-e2e-${process.pid}`;
const product = `E2E-PRODUCT-${process.pid}`;
const nodeName = `prof-e2e-${process.pid}`;
const kenv = kubeEnv(env.kubeconfig);
const root = mkdtempSync(join(tmpdir(), 'vpo-prof-e2e-'));

const { kubectl, json } = kubectlIn(kenv);

/** What a failed wait leaves for the reader: pods, Jobs, session status, the operator's log tail. */
async function diagnose(logs: string[]): Promise<string> {
  const state = await kubectl(['get', 'pods,jobs', '-n', ns, '-o', 'wide']).catch((e) => String(e));
  const ms = await kubectl(['get', 'ms', '-n', ns, '-o', 'yaml']).catch((e) => String(e));
  return `${state}\n${ms.slice(-3000)}\n${logs.join('').slice(-3000)}`;
}

const condition = (obj: any, type: string) => obj.status?.conditions?.find((c: any) => c.type === type);

/** The node this test is the kubelet of: Ready, GPUs of E2E-PRODUCT, heartbeats while alive. */
async function heartbeat(): Promise<void> {
  const now = new Date().toISOString();
  // GPUs to spare: the planned backend pod binds one (and stays Pending: nobody runs it here),
  // and re-profiling needs a free one of the product, as in a real cluster.
  const resources = { cpu: '8', memory: '32Gi', pods: '10', 'nvidia.com/gpu': '4' };
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

/** Runs each profiling pod bound to our node once, then reports it as a kubelet would. */
function profilingKubelet(): { stop(): void; runs: string[] } {
  const seen = new Set<string>();
  const children = new Set<ChildProcess>();
  const runs: string[] = [];
  let stopped = false;
  const runPod = async (pod: any) => {
    const container = pod.spec.containers[0];
    const dir = mkdtempSync(join(root, 'pod-'));
    const resultFile = join(dir, 'termination-log');
    writeFileSync(resultFile, '');
    const mounts: Record<string, string> = { [container.terminationMessagePath]: resultFile };
    for (const m of container.volumeMounts ?? []) mounts[m.mountPath] = dir;
    const image = { entrypoint: [process.execPath, 'bin/vpo.ts'], extraArgs: () => ['--model-root', root] };
    const launch = podLaunch(pod, container, image, mounts, {}, { PATH: process.env.PATH ?? '' });
    runs.push(launch.args.join(' '));
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
    const exitCode: number = await new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 137)));
    children.delete(child);
    // terminationMessagePolicy FallbackToLogsOnError: the log tail when a failed container wrote nothing.
    const written = readFileSync(resultFile, 'utf8');
    const message = written || (exitCode !== 0 ? log : '');
    const terminated = {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      message,
      startedAt,
      finishedAt: new Date().toISOString(),
    };
    const status = {
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      containerStatuses: [
        {
          name: container.name,
          image: container.image,
          imageID: '',
          ready: false,
          restartCount: 0,
          started: false,
          state: { terminated },
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
      const pods = await json(['get', 'pods', '-n', ns, '-l', 'serving.vpo.dev/role=profile']).catch(() => ({
        items: [],
      }));
      for (const pod of pods.items) {
        if (pod.spec.nodeName !== nodeName || seen.has(pod.metadata.uid)) continue;
        seen.add(pod.metadata.uid);
        void runPod(pod).catch((err) => runs.push(`failed to run ${pod.metadata.name}: ${err.message}`));
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

const sessionYaml = (uri: string) => `apiVersion: serving.vpo.dev/v1alpha1
kind: ModelSession
metadata: {name: scene, namespace: ${ns}}
spec:
  model: {uri: "${uri}"}
  input: {name: frames, layout: NFCHW, frames: 8, width: 64, height: 64}
  output: {name: logits, labels: [dark, bright, colorful]}
  batching: {maxBatchSize: 4}
  executionProvider: cpu
  resources: {cpu: "1", memory: 1Gi}
`;
const pipelineYaml = `apiVersion: serving.vpo.dev/v1alpha1
kind: VideoPipeline
metadata: {name: scenes, namespace: ${ns}}
spec:
  sampling: {frames: 8, width: 64, height: 64}
  load: {videosPerSecond: "1"}
  latencySLO: {p99Ms: 20000}
  stages: [{name: scene, sessionRef: {name: scene}}]
  placement: {gpuProducts: [${product}]}
`;

describe('profiling', () => {
  let operator: ChildProcess | undefined;
  let kubelet: ReturnType<typeof profilingKubelet> | undefined;
  let logs: string[] = [];

  before(async () => {
    writeSampleModels(join(root, 'models'));
    copyFileSync(join(root, 'models', 'scene.onnx'), join(root, 'models', 'scene-v2.onnx'));
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
    kubelet = profilingKubelet();
    const args = localOperatorArgs(ns, ['--load-epoch-ms', '0', '--kafka-bootstrap', env.kafkaBootstrap]);
    ({ child: operator, logs } = spawnOperator(args, kenv));
  });

  after(async () => {
    kubelet?.stop();
    operator?.kill('SIGTERM');
    await kubectl(['delete', 'node', nodeName, '--wait=false']).catch(() => {});
    await deleteNamespaces(kubectl, ns);
    rmSync(root, { recursive: true, force: true });
  });

  test('no profile for the cluster: a Job per product, the measured one recorded, the pipeline planned', async () => {
    await kubectl(['apply', '-f', '-'], pipelineYaml);
    await kubectl(['apply', '-f', '-'], sessionYaml('file:///models/scene.onnx'));
    const jobs = await eventually('a profiling Job per GPU product', async () => {
      const list = (await json(['get', 'jobs', '-n', ns, '-l', 'serving.vpo.dev/session=scene'])).items;
      return list.length === 3 ? list : undefined;
    });
    const selectors = jobs
      .map((j: any) => j.spec.template.spec.nodeSelector['nvidia.com/gpu.product'])
      .sort();
    assert.deepEqual(selectors, ['NVIDIA-A100-SXM4-80GB', 'NVIDIA-T4', product].sort());
    for (const j of jobs) {
      const c = j.spec.template.spec.containers[0];
      assert.equal(c.resources.limits['nvidia.com/gpu'], '1');
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
      assert.equal(j.metadata.ownerReferences[0].kind, 'ModelSession');
      assert.equal(j.spec.backoffLimit, 2);
    }
    const ms = await eventually(
      'Profiled=True from the measurement',
      async () => {
        const o = await json(['get', 'ms', 'scene', '-n', ns]);
        return condition(o, 'Profiled')?.status === 'True' ? o : undefined;
      },
      180_000,
    );
    const [profile] = ms.status.profiles;
    assert.equal(ms.status.profiles.length, 1, JSON.stringify(ms.status.profiles));
    assert.equal(profile.gpuProduct, product);
    assert.deepEqual(profile.model, { uri: 'file:///models/scene.onnx' });
    assert.equal(profile.executionProvider, 'cpu');
    assert.deepEqual(
      profile.points.map((p: any) => p.batchSize),
      [1, 2, 4],
    );
    for (const p of profile.points) assert.ok(Number.isInteger(p.latencyMicros) && p.latencyMicros > 0);
    assert.ok(Date.parse(profile.measuredAt) > 0);
    assert.equal(condition(ms, 'Ready')?.status, 'True');
    // The KWOK products' pods "succeeded" with no result: failures named, not profiles.
    const message = await eventually('both KWOK products reported', async () => {
      const m = condition(await json(['get', 'ms', 'scene', '-n', ns]), 'Profiled')?.message ?? '';
      return /NVIDIA-T4 failed/.test(m) && /NVIDIA-A100-SXM4-80GB failed/.test(m) ? m : undefined;
    });
    assert.match(message, /NVIDIA-T4 failed: the profiling pod left no result/);
    const vp = await eventually('the pipeline planned on the measured product', async () => {
      const o = await json(['get', 'vp', 'scenes', '-n', ns]);
      return condition(o, 'Planned')?.status === 'True' ? o : undefined;
    });
    assert.equal(vp.status.plan.gpuProduct, product);
    assert.equal(kubelet?.runs.length, 1, kubelet?.runs.join('\n'));
  });

  test('the model changes: re-profiled once, the stale measurement and Job replaced', async () => {
    const before = (await json(['get', 'ms', 'scene', '-n', ns])).status.profiles[0];
    const started = Date.now();
    await kubectl(['apply', '-f', '-'], sessionYaml('file:///models/scene-v2.onnx'));
    const ms = await eventually(
      'a profile for the new model',
      async () => {
        if (Date.now() - started > 170_000) throw new Error(await diagnose(logs));
        const o = await json(['get', 'ms', 'scene', '-n', ns]);
        const p = o.status?.profiles?.find((x: any) => x.gpuProduct === product);
        return p?.model?.uri === 'file:///models/scene-v2.onnx' ? o : undefined;
      },
      180_000,
    );
    assert.equal(ms.status.profiles.length, 1);
    assert.ok(Date.parse(ms.status.profiles[0].measuredAt) >= Date.parse(before.measuredAt));
    assert.equal(condition(ms, 'Profiled')?.status, 'True');
    assert.equal(kubelet?.runs.length, 2, kubelet?.runs.join('\n'));
    assert.match(kubelet?.runs[1] ?? '', /\/models\/scene-v2\.onnx/);
    const names = await eventually("only the new model's Jobs left", async () => {
      const list = (await json(['get', 'jobs', '-n', ns, '-l', 'serving.vpo.dev/session=scene'])).items;
      const args = list.map((j: any) => j.spec.template.spec.containers[0].args[1]);
      return args.every((a: string) => a === '/models/scene-v2.onnx') ? list : undefined;
    });
    assert.equal(names.length, 3);
  });
});
