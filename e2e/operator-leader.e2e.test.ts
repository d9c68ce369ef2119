// Two `vpo operator --leader-elect` replicas: one leads (the Lease says which), the other takes
// over when the leader dies (SIGKILL) and reconciles; SIGTERM releases the lease. Bounded waits.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { getKubernetesTestEnv } from './env/environment.ts';

const run = promisify(execFile);
const env = getKubernetesTestEnv();
const ns = `op-leader-${process.pid}`;
const kenv = { ...process.env, KUBECONFIG: env.kubeconfig };
const kubectl = async (args: string[]) => (await run('kubectl', args, { env: kenv })).stdout;
const json = async (args: string[]) => JSON.parse(await kubectl([...args, '-o', 'json']));

async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(500);
  }
}

const replicas = new Map<string, { child: ChildProcess; exited: Promise<number | null> }>();

function startReplica(identity: string) {
  const args = [
    'bin/vpo.ts',
    'operator',
    '--namespace',
    ns,
    '--port',
    '0',
    '--leader-elect',
    '--identity',
    identity,
  ];
  const extra = ['--lease-duration-ms', '4000', '--renew-ms', '500', '--kafka-bootstrap', env.kafkaBootstrap];
  const child = spawn(process.execPath, [...args, ...extra], { env: kenv, stdio: 'ignore' });
  replicas.set(identity, {
    child,
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  });
}

const holder = async (): Promise<string | undefined> =>
  (await json(['get', 'lease', 'vpo-operator', '-n', ns])).spec?.holderIdentity || undefined;

before(async () => {
  await kubectl(['create', 'namespace', ns]);
  await eventually('CRDs', () => kubectl(['apply', '--server-side', '--force-conflicts', '-f', 'crds/']));
  startReplica('replica-a');
  startReplica('replica-b');
});

after(async () => {
  for (const r of replicas.values()) r.child.kill('SIGKILL');
  await kubectl(['delete', 'namespace', ns, '--wait=false']).catch(() => {});
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
  await kubectl([
    'patch',
    'vp',
    'video-classifier',
    '-n',
    ns,
    '--type',
    'merge',
    '-p',
    '{"spec":{"load":{"videosPerDay":400000}}}',
  ]);
  await generationSeen(2);

  replicas.get(second)!.child.kill('SIGTERM');
  assert.equal(await replicas.get(second)!.exited, 0, 'graceful exit');
  assert.equal(await holder(), undefined, 'lease released');
});
