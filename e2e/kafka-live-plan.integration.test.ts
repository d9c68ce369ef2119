/**
 * Live plan updates on the real broker: a `vpo runtime --role backend --backend NAME` process (as
 * the operator starts it) takes a re-plan's batch sizes, duty cycle and generation from its
 * re-written runtime file without restarting, reports the generation it runs (/metrics) and
 * declares it to its consumer groups, where the operator reads it (status.observed.planRollout).
 * A change to what the pod was built from (a hosted model) is not taken live: the pod keeps its
 * settings and counts a restart; a file that does not parse changes nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { RuntimeFile } from '../contract/runtime-file.ts';
import { consumerGroupName } from '../contract/topic-names.ts';
import { createKafkaAdmin } from '../kafka/admin.ts';
import { planRollout } from '../operator/reconcile/plan-rollout.ts';
import { startRole, writeSampleRuntimeFile } from '../scripts/kafka-pipeline.ts';
import { getTestEnv } from './env/environment.ts';

const { kafkaBootstrap } = getTestEnv();

const metric = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);

test('a backend process takes a re-plan live and declares its generation; structure changes wait for a new pod', {
  timeout: 180_000,
}, async () => {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'vpo-live-'));
  const namespace = `live-${path.basename(workDir).slice(-6).toLowerCase()}`;
  const { file, filePath } = await writeSampleRuntimeFile(kafkaBootstrap, workDir, namespace);
  const group = file.runtime.backends[0]!;
  const lines: string[] = [];
  const pod = await startRole(['--role', 'backend', '--config', filePath, '--backend', group.name], (l) =>
    lines.push(l),
  );
  const admin = await createKafkaAdmin({ brokers: [kafkaBootstrap], clientId: 'it-live' });
  const groups = file.runtime.stages.map((s) =>
    consumerGroupName(namespace, file.runtime.pipeline.name, s.name),
  );
  const metrics = async () => (await fetch(`${pod.url}/metrics`)).text();
  const until = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 60_000;
    while (!(await check())) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}\n${lines.slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const rewrite = (f: RuntimeFile) => writeFile(filePath, `${JSON.stringify(f, null, 2)}\n`);
  try {
    await until(
      async () => planRollout(await admin.groupMembers(groups), 1).current === 1,
      'generation 1 declared',
    );
    assert.equal(metric(await metrics(), /vpo_plan_generation\{[^}]*\} (\d+)/), 1);
    const pid = pod.child.pid;

    const replanned: RuntimeFile = structuredClone(file);
    const g = replanned.runtime.backends[0]!;
    g.planGeneration = 2;
    g.dutyCycleMicros = group.dutyCycleMicros * 2;
    g.sessions = g.sessions.map((s) => ({ ...s, batchSize: s.batchSize + 1, rateVps: s.rateVps * 2 }));
    await rewrite(replanned);
    await until(
      async () => metric(await metrics(), /vpo_plan_reloads_total\{result="applied"\} (\d+)/) === 1,
      'the re-plan applied',
    );
    const text = await metrics();
    assert.equal(metric(text, /vpo_plan_generation\{[^}]*\} (\d+)/), 2);
    const dutyS = metric(text, /vpo_backend_duty_cycle_seconds\{[^}]*\} ([\d.e-]+)/);
    assert.ok(Math.abs(dutyS - (group.dutyCycleMicros * 2) / 1e6) < 1e-9, `duty cycle ${dutyS} s`);
    await until(async () => {
      const rollout = planRollout(await admin.groupMembers(groups), 2);
      return rollout.pods === 1 && rollout.current === 1;
    }, 'generation 2 declared to the consumer groups');
    assert.equal(pod.child.pid, pid);
    assert.equal(pod.child.exitCode, null, 'no restart');

    const remodelled: RuntimeFile = structuredClone(replanned);
    remodelled.runtime.backends[0]!.planGeneration = 3;
    remodelled.runtime.stages[0]!.model = { uri: 'file:///models/another.onnx' };
    await rewrite(remodelled);
    await until(
      async () => metric(await metrics(), /vpo_plan_reloads_total\{result="restart"\} (\d+)/) === 1,
      'the structural change refused',
    );
    assert.equal(metric(await metrics(), /vpo_plan_generation\{[^}]*\} (\d+)/), 2, 'keeps what it runs');
    assert.ok(
      lines.some((l) => /keeping video-classifier@2: .*pipelines\.video-classifier\.stages/.test(l)),
      lines.join('\n'),
    );

    await writeFile(filePath, '{"version": 1, "runtime": ');
    await until(
      async () => metric(await metrics(), /vpo_plan_reloads_total\{result="invalid"\} (\d+)/) === 1,
      'the broken file reported',
    );
    assert.equal((await fetch(`${pod.url}/healthz`)).status, 200);
  } finally {
    await admin.close();
    await pod.stop();
    await rm(workDir, { recursive: true, force: true });
  }
});
