// `vpo operator` run from the sources as a child process, its stderr (the log) collected; and the
// pieces for running it as an installed chart's Deployment would (its args, its token).
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dump } from 'js-yaml';
import { getS3TestEnv } from '../env/environment.ts';
import { watchOwner } from '../env/process.ts';

export interface OperatorProcess {
  child: ChildProcess;
  /** The stderr chunks so far. */
  logs: string[];
  exited: Promise<number | null>;
}

/**
 * Spawns `node <args>` (args start with the script). With `detached`, it leads its own process
 * group and dies with this process. Without `collectLog`, stderr is ignored and `logs` stays empty.
 */
export function spawnOperator(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { detached?: boolean; collectLog?: boolean } = {},
): OperatorProcess {
  const collectLog = options.collectLog ?? true;
  const child = spawn(process.execPath, args, {
    env,
    ...(options.detached ? { detached: true } : {}),
    stdio: collectLog ? ['ignore', 'ignore', 'pipe'] : 'ignore',
  });
  if (options.detached && child.pid) watchOwner(child.pid, process.pid, 10);
  const logs: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (d: string) => logs.push(d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, logs, exited };
}

/**
 * The suite's S3 server as the operator's default object store, with a default frame-store
 * bucket: pipelines without a frame store every pod shares are refused, so an operator under test
 * needs one (no pod of these tests touches the bucket: KWOK runs nothing).
 */
export function sharedFrameStoreArgs(): string[] {
  const s3 = getS3TestEnv();
  return [
    '--s3-endpoint',
    s3.endpoint,
    '--s3-region',
    s3.region,
    '--s3-force-path-style',
    '--frame-store-bucket',
    'vpo-e2e-frames',
  ];
}

/**
 * `bin/vpo.ts operator` for `namespace` on an OS-chosen port, with the suite's S3 server as the
 * default frame store (unless `sharedFrameStore` is false), then `extra`.
 */
export const localOperatorArgs = (
  namespace: string,
  extra: string[],
  options: { sharedFrameStore?: boolean } = {},
): string[] => [
  'bin/vpo.ts',
  'operator',
  '--namespace',
  namespace,
  '--port',
  '0',
  ...(options.sharedFrameStore === false ? [] : sharedFrameStoreArgs()),
  ...extra,
];

/**
 * The installed Deployment's container args as the kubelet expands them (pod name `identity`),
 * with --port=0 instead of a fixed port on this shared machine.
 */
export function deploymentOperatorArgs(
  // biome-ignore lint/suspicious/noExplicitAny: kubectl JSON is read by path
  deployment: any,
  namespace: string,
  identity: string,
): string[] {
  return (deployment.spec.template.spec.containers[0].args as string[]).map((arg) =>
    arg.startsWith('--port=')
      ? '--port=0'
      : arg.replace('$(POD_NAMESPACE)', namespace).replace('$(POD_NAME)', identity),
  );
}

/** Writes a kubeconfig for `cluster` (from the admin's) authenticated by a ServiceAccount `token`. */
export async function writeTokenKubeconfig(
  path: string,
  cluster: { name: string; cluster: object },
  token: string,
): Promise<string> {
  await writeFile(
    path,
    dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [cluster],
      users: [{ name: 'operator', user: { token } }],
      contexts: [{ name: 'operator', context: { cluster: cluster.name, user: 'operator' } }],
      'current-context': 'operator',
    }),
  );
  return path;
}

/** process.env without KUBECONFIG: the operator must use only the kubeconfig it is given. */
export function envWithoutKubeconfig(): NodeJS.ProcessEnv {
  const { KUBECONFIG: _admin, ...env } = process.env;
  return env;
}
