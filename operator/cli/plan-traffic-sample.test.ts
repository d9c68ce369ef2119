// The traffic sample (samples/traffic) plans cleanly against the sample node list: `vpo plan` run
// as a user runs it (a subprocess), Planned=True, and the fan-out multiplies the rate of every
// stage downstream of `vehicles` by its fanOut.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;

interface PlannedStage {
  name: string;
  rateVps: string;
  capacityVps: string;
  replicas: number;
  batchSize: number;
}

interface PlanOutput {
  kind: string;
  metadata: { name: string; namespace: string };
  status: {
    plan?: { gpus: number; gpuProduct: string; lowerBoundGpus: string; stages: PlannedStage[] };
    conditions: { type: string; status: string; reason: string; message: string }[];
  };
}

function planTraffic(...extra: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'bin/vpo.ts'),
      'plan',
      '-f',
      join(root, 'samples/traffic'),
      '--nodes',
      join(root, 'samples/video-classifier/cluster/nodes.yaml'),
      ...extra,
    ],
    { encoding: 'utf8' },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the traffic sample plans: Planned=True, fan-out rates, capacity covers every stage', () => {
  const r = planTraffic('-o', 'json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as PlanOutput[];
  assert.equal(out.length, 1);
  const traffic = out[0]!;
  assert.equal(traffic.metadata.name, 'traffic');
  const planned = traffic.status.conditions.find((c) => c.type === 'Planned');
  assert.equal(planned?.status, 'True', planned?.message);
  assert.equal(planned?.reason, 'Planned');

  const plan = traffic.status.plan!;
  assert.ok(plan.gpus >= 1);
  assert.ok(['NVIDIA-A100-SXM4-80GB', 'NVIDIA-T4'].includes(plan.gpuProduct), plan.gpuProduct);
  assert.ok(plan.gpus >= Math.ceil(Number(plan.lowerBoundGpus) - 1e-9));
  const rate = (name: string) => Number(plan.stages.find((s) => s.name === name)!.rateVps);
  // 50 videos/s × peakFactor 2 reach vehicles; vehicles emits 8 detections per video.
  assert.equal(rate('vehicles'), 100);
  assert.equal(rate('plates'), 800);
  assert.equal(rate('counts'), 800);
  for (const s of plan.stages) {
    assert.ok(Number(s.capacityVps) >= Number(s.rateVps), `${s.name}: ${s.capacityVps} < ${s.rateVps}`);
    assert.ok(s.replicas >= 1 && s.batchSize >= 1, s.name);
  }
});

test('the traffic sample table names the fan-out rate and the plan', () => {
  const r = planTraffic();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /load 50 videos\/s x peakFactor 2 = 100 videos\/s/);
  assert.match(r.stdout, /Planned: \d+ GPU\(s\) of /);
  assert.match(r.stdout, /plates\s+plate-reader\s+\d+\s+\d+\s+\d+\s+800\s/);
});
