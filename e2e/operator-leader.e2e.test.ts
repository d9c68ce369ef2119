// Two `vpo operator --leader-elect` replicas: one leads (the Lease says which), the other takes
// over when the leader dies (SIGKILL) and reconciles; SIGTERM releases the lease. Bounded waits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getKubernetesTestEnv } from './env/environment.ts';
import { applyCrds } from './support/crds.ts';
import { eventually } from './support/eventually.ts';
import { kubectlIn, kubeEnv, mergePatch } from './support/kubectl.ts';
import { createNamespaces, deleteNamespaces } from './support/namespace.ts';
import { localOperatorArgs, type OperatorProcess, spawnOperator } from './support/operator-process.ts';

const env = getKubernetesTestEnv();
const ns = `op-leader-${process.pid}`;
const kenv = kubeEnv(env.kubeconfig);
const { kubectl, json } = kubectlIn(kenv);

const replicas = new Map<string, OperatorProcess>();

function startReplica(identity: string) {
  const args = localOperatorArgs(ns, ['--leader-elect', '--identity', identity]);
  const extra = ['--lease-duration-ms', '4000', '--renew-ms', '500', '--kafka-bootstrap', env.kafkaBootstrap];
  replicas.set(identity, spawnOperator([...args, ...extra], kenv, { collectLog: false }));
}

const holder = async (): Promise<string | undefined> =>
  (await json(['get', 'lease', 'vpo-operator', '-n', ns])).spec?.holderIdentity || undefined;

before(async () => {
  await createNamespaces(kubectl, ns);
  await applyCrds(kubectl, 'CRDs');
  startReplica('replica-a');
  startReplica('replica-b');
});

after(async () => {
  for (const r of replicas.values()) r.child.kill('SIGKILL');
  await deleteNamespaces(kubectl, ns);
});

test('one leader reconciles; when it dies the other takes over; SIGTERM releases the lease', async () => {
  const first = await eventually('a leader', holder);
  assert.ok(replicas.has(first));
  await kubectl(['apply', '-n', ns, '-f', 'samples/video-classifier/sessions.yaml']);
  await kubectl(['apply', '-n', ns, '-f', 'samples/video-classifier/pipeline.yaml']);
  const generationSeen = async (generation: number) =>
    eventually(`status for generation ${generation}`, async () => {
      const o = await json(['get', 'vp', 'video-classifier', '-n', ns]);
      return o.status?.observedGeneration === generation && o.metadata.generation === generation;
    });
  await generationSeen(1);

  replicas.get(first)!.child.kill('SIGKILL');
  await replicas.get(first)!.exited;
  const second = await eventually('a new leader', async () => {
    const h = await holder();
    return h && h !== first ? h : undefined;
  });
  assert.ok(replicas.has(second));
  await mergePatch(kubectl, 'vp', 'video-classifier', ns, '{"spec":{"load":{"videosPerDay":400000}}}');
  await generationSeen(2);

  replicas.get(second)!.child.kill('SIGTERM');
  assert.equal(await replicas.get(second)!.exited, 0, 'graceful exit');
  assert.equal(await holder(), undefined, 'lease released');
});
