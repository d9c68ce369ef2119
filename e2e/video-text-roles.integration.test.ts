/**
 * The video-text sample (trained PP-OCRv4 models, a fan-out and a gather) as pods run it: a
 * `vpo runtime --role ingest` process and one `--role backend` process per planned group (detect
 * in one, read with the collect gather beside it in the other), connected only through the real
 * broker. The backends run their planned groups (`--backend`, as the operator starts them: batch
 * caps and duty cycles from the plan) and take a re-plan live before the videos arrive; every
 * consumer, the gather's too, declares the new generation to its group (what the operator reads
 * into status.observed.planRollout). The backend holding the gather's state is killed (SIGKILL)
 * while videos are in flight and started again: the gather rebuilds from the uncommitted item
 * messages, and every video has exactly one result on the output topic, with the words drawn in
 * it read.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { RuntimeFile } from '../contract/runtime-file.ts';
import { consumerGroupName } from '../contract/topic-names.ts';
import { createKafkaAdmin } from '../kafka/admin.ts';
import { startTopicReader } from '../kafka/topic-reader.ts';
import { planRollout } from '../operator/reconcile/plan-rollout.ts';
import type { DeadLetter, StageMessage } from '../runtime/transport/transport.ts';
import type { ExpectedText } from '../scripts/gen-text-videos.ts';
import {
  type RoleProcess,
  repoRoot,
  startRole,
  submitVideo,
  writeSampleRuntimeFile,
} from '../scripts/kafka-pipeline.ts';
import { clipAccuracy, wordAccuracy } from '../scripts/text-accuracy.ts';
import { getTestEnv } from './env/environment.ts';

const { kafkaBootstrap } = getTestEnv();
const sample = path.join(repoRoot, 'samples/video-text');
const videos = path.join(repoRoot, 'samples/videos-text');

type TextResult = StageMessage & { outputs: { collect?: { lines: { text: string }[] } } };

const until = async (done: () => boolean, ms: number, what: string) => {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

test('detect → read → collect through Kafka: one result per video, the gather host restarted mid-run', {
  timeout: 400_000,
}, async () => {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'vpo-text-roles-'));
  const namespace = `text-${path.basename(workDir).slice(-6).toLowerCase()}`;
  const { file, filePath } = await writeSampleRuntimeFile(
    kafkaBootstrap,
    workDir,
    namespace,
    [videos],
    sample,
  );
  const expected = JSON.parse(await readFile(path.join(videos, 'expected.json'), 'utf8')) as ExpectedText[];
  const gatherHost = file.runtime.backends.find((b) => b.sessions.some((s) => s.stage === 'read'));
  assert.ok(gatherHost, 'a planned group hosts read (and with it the collect gather)');
  const log: string[] = [];
  const backendArgs = (name: string) => ['--role', 'backend', '--config', filePath, '--backend', name];
  const ingest = await startRole(['--role', 'ingest', '--config', filePath], (l) => log.push(l));
  const roles = {
    ingest,
    backends: await Promise.all(
      file.runtime.backends.map((b) => startRole(backendArgs(b.name), (l) => log.push(l))),
    ),
    stop: () => Promise.all([ingest, ...roles.backends].map((p) => p.stop())),
  };
  const admin = await createKafkaAdmin({ brokers: [kafkaBootstrap], clientId: 'it-text-plan' });
  // Every consumer group of the pipeline's spec stages, the gather's included.
  const groups = [...file.runtime.stages, ...(file.runtime.gathers ?? [])].map((s) =>
    consumerGroupName(namespace, file.runtime.pipeline.name, s.name),
  );
  const declared = async (generation: number) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const rollout = planRollout(await admin.groupMembers(groups), generation);
      if (rollout.pods === roles.backends.length && rollout.current === rollout.pods) return;
      if (Date.now() > deadline)
        throw new Error(`generation ${generation} not declared by every pod: ${JSON.stringify(rollout)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  // A live re-plan (batch caps, duty cycles, rates, generation) before the videos: the gather and
  // its per-item stages run under it without a restart.
  const replanned: RuntimeFile = structuredClone(file);
  for (const g of replanned.runtime.backends) {
    g.planGeneration = (g.planGeneration ?? 1) + 1;
    g.dutyCycleMicros = Math.max(g.dutyCycleMicros, 50_000);
    g.sessions = g.sessions.map((x) => ({ ...x, batchSize: x.batchSize + 1, rateVps: x.rateVps * 2 }));
  }
  const generation = replanned.runtime.backends[0]!.planGeneration;
  try {
    await declared(generation - 1);
    await writeFile(filePath, `${JSON.stringify(replanned, null, 2)}\n`);
    await declared(generation);
  } catch (error) {
    process.stderr.write(`${log.slice(-40).join('\n')}\n`);
    await admin.close();
    await roles.stop();
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
  const pids = roles.backends.map((b) => b.child.pid);
  const results: TextResult[] = [];
  const letters: DeadLetter[] = [];
  const connection = { brokers: [kafkaBootstrap], clientId: 'it-text-roles' };
  const readers = [
    await startTopicReader(connection, file.runtime.topics.output, (v) => results.push(v as TextResult)),
    await startTopicReader(connection, file.runtime.topics.deadLetter, (v) => letters.push(v as DeadLetter)),
  ];
  const index = roles.backends.findIndex((_, i) => file.runtime.backends[i]?.name === gatherHost.name);
  let restarted: RoleProcess | undefined;
  try {
    for (const e of expected)
      await submitVideo(
        roles.ingest.apiUrl!,
        path.basename(e.file, '.mp4'),
        pathToFileURL(path.join(videos, e.file)).href,
      );
    // Kill the gather's host once a result is out and others are still being gathered.
    await until(() => results.length >= 1, 240_000, 'a first result');
    assert.ok(results.length < expected.length, 'videos still in flight when the backend dies');
    const victim = roles.backends[index]!;
    victim.child.kill('SIGKILL');
    await victim.stop();
    assert.deepEqual(
      roles.backends.map((b) => b.child.pid),
      pids,
      'the re-plan was taken without a restart',
    );
    restarted = await startRole(backendArgs(gatherHost.name), (l) => log.push(l));
    await until(
      () => new Set(results.map((r) => r.videoId)).size >= expected.length,
      300_000,
      `a result for every video (${results.length} so far; dead letters ${JSON.stringify(letters)})`,
    );
    await new Promise((r) => setTimeout(r, 2000)); // a late duplicate would show by now
    assert.deepEqual(letters, []);
    const accuracy = expected.map((e) => {
      const mine = results.filter((r) => r.videoId === path.basename(e.file, '.mp4'));
      assert.equal(mine.length, 1, `exactly one result for ${e.file}`);
      return clipAccuracy(
        e,
        (mine[0]!.outputs.collect?.lines ?? []).map((l) => l.text),
      );
    });
    const words = wordAccuracy(accuracy);
    assert.ok(words >= 0.9, `words read exactly: ${(100 * words).toFixed(1)}% ${JSON.stringify(accuracy)}`);
    assert.equal(accuracy.find((a) => a.file === 'no-text.mp4')?.extraLines, 0);
    const metrics = await (await fetch(`${restarted.url}/metrics`)).text();
    assert.match(metrics, /vpo_processed_total\{pipeline="video-text",stage="read"\} [1-9]/);
  } catch (error) {
    process.stderr.write(`${log.slice(-40).join('\n')}\n`);
    throw error;
  } finally {
    for (const r of readers) await r.close();
    await admin.close();
    await restarted?.stop();
    await roles.stop();
    await rm(workDir, { recursive: true, force: true });
  }
});
