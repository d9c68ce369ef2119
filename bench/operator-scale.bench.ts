// Operator at scale: 50 VideoPipelines applied at once (one kubectl apply), time until every one
// is Planned=True, and the operator's peak memory (VmHWM of its process). Real API server and
// broker (reused from KUBECONFIG / KAFKA_BOOTSTRAP, else started); extra KWOK A100 nodes so all
// 50 plans fit. `npm run bench -- operator-scale [pipelines]`.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { startEnvironment } from '../e2e/env/environment.ts';
import { registerNodes } from '../e2e/env/k8s/readiness.ts';
import type { BenchFigure } from './run.ts';

const exec = promisify(execFile);

function pipelineYaml(name: string): string {
  return `apiVersion: serving.vpo.dev/v1alpha1
kind: VideoPipeline
metadata: {name: ${name}}
spec:
  sampling: {frames: 8, width: 64, height: 64}
  load: {videosPerSecond: "0.05"}
  latencySLO: {p99Ms: 10000}
  stages:
  - {name: scene, sessionRef: {name: scene-classifier}}
  - {name: motion, sessionRef: {name: motion-detector}}
  - {name: fusion, sessionRef: {name: fusion-classifier}, inputs: [scene, motion]}
`;
}

const peakRssMiB = (pid: number): number => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
};

export async function run(args: string[]): Promise<BenchFigure[]> {
  const count = Number(args[0] ?? 50);
  const environment = await startEnvironment({ kafka: true, kubernetes: true });
  const kenv = { ...process.env, KUBECONFIG: environment.kubeconfig };
  const kubectl = async (a: string[], input?: string) => {
    if (input === undefined) return (await exec('kubectl', a, { env: kenv, maxBuffer: 64 << 20 })).stdout;
    return new Promise<string>((resolve, reject) => {
      const c = execFile('kubectl', a, { env: kenv }, (e, out, err) =>
        e ? reject(new Error(err)) : resolve(out),
      );
      c.stdin?.end(input);
    });
  };
  const ns = `bench-${process.pid}`;
  const nodes = Array.from({ length: Math.ceil(count / 4) }, (_, i) => ({
    name: `bench-a100-${process.pid}-${i}`,
    cpu: '64',
    memory: '512Gi',
    pods: 110,
    gpu: { count: 4, product: 'NVIDIA-A100-SXM4-80GB', memoryMiB: 81920 },
  }));
  let operator: ChildProcess | undefined;
  try {
    await kubectl(['apply', '--server-side', '--force-conflicts', '-f', 'crds/']);
    await kubectl(['create', 'namespace', ns]);
    await registerNodes(environment.kubeconfig!, nodes);
    await kubectl(['apply', '-n', ns, '-f', 'samples/video-classifier/sessions.yaml']);
    // A default frame store (pipelines without one are refused); nothing here mounts it.
    const args = ['bin/vpo.ts', 'operator', '--namespace', ns, '--port', '0', '--load-epoch-ms', '0'].concat([
      '--frame-store-claim',
      'bench-frames',
    ]);
    operator = spawn(process.execPath, [...args, '--kafka-bootstrap', environment.kafkaBootstrap!], {
      env: kenv,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let logs = '';
    operator.stderr?.setEncoding('utf8').on('data', (d: string) => {
      logs += d;
    });
    while (!logs.includes('caches synced')) await sleep(100);
    const names = Array.from({ length: count }, (_, i) => `scale-${String(i).padStart(3, '0')}`);
    const startMs = performance.now();
    await kubectl(['apply', '-n', ns, '-f', '-'], names.map(pipelineYaml).join('---\n'));
    let planned = 0;
    const deadline = Date.now() + 600_000;
    while (planned < count && Date.now() < deadline) {
      await sleep(250);
      const list = JSON.parse(await kubectl(['get', 'vp', '-n', ns, '-o', 'json'])) as {
        items: { status?: { conditions?: { type: string; status: string }[] } }[];
      };
      planned = list.items.filter((p) =>
        p.status?.conditions?.some((c) => c.type === 'Planned' && c.status === 'True'),
      ).length;
    }
    const seconds = (performance.now() - startMs) / 1000;
    const rss = peakRssMiB(operator.pid!);
    return [
      {
        name: `operator-${count}-pipelines-to-planned`,
        value: Number(seconds.toFixed(2)),
        unit: 's',
        target: 'all Planned=True',
        planned,
        pipelines: count,
      },
      {
        name: 'operator-peak-rss',
        value: Number(rss.toFixed(1)),
        unit: 'MiB',
        target: 'report',
        pipelines: count,
      },
    ];
  } finally {
    operator?.kill('SIGTERM');
    await kubectl(['delete', 'namespace', ns, '--wait=false']).catch(() => {});
    await kubectl(['delete', 'node', ...nodes.map((n) => n.name)]).catch(() => {});
    await environment.stop();
  }
}
