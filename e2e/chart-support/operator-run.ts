// The installed release put to work: `kubectl auth can-i` as its ServiceAccount, and the operator
// run from the sources with the installed Deployment's args and only that ServiceAccount's rights.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { load } from 'js-yaml';
import {
  deploymentOperatorArgs,
  envWithoutKubeconfig,
  spawnOperator,
  writeTokenKubeconfig,
} from '../support/operator-process.ts';
import { type ChartTools, eventually, type K8sObject } from './tools.ts';
import { ROOT } from './values.ts';

/** Where a release is installed: its namespace, the namespace it serves, its full name. */
export interface Installed {
  namespace: string;
  pipelines: string;
  fullname: string;
}

/**
 * `kubectl auth can-i` as the operator's ServiceAccount. `resource` may be `plural.group/name`;
 * a subresource goes after `#` (`videopipelines.serving.vpo.dev#status`).
 */
export async function canI(
  tools: ChartTools,
  installed: Installed,
  verb: string,
  resource: string,
  namespace?: string,
): Promise<boolean> {
  const sa = `system:serviceaccount:${installed.namespace}:${installed.fullname}`;
  const [target, subresource] = resource.split('#');
  const args = ['auth', 'can-i', verb, target!, '--as', sa];
  if (subresource) args.push(`--subresource=${subresource}`);
  args.push(...(namespace ? ['-n', namespace] : ['--all-namespaces']));
  const result = await tools.run('kubectl', args);
  if (result.stdout.trim() === 'yes') return true;
  if (result.stdout.trim() === 'no') return false;
  throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}${result.stdout}`);
}

/** A kubeconfig for the operator's ServiceAccount: the test cluster's server and CA, a bound token. */
async function serviceAccountKubeconfig(tools: ChartTools, installed: Installed): Promise<string> {
  const token = (
    await tools.kubectl('create', 'token', installed.fullname, '-n', installed.namespace, '--duration=1h')
  ).trim();
  const admin = load(await readFile(tools.kubeconfig, 'utf8')) as {
    clusters: { name: string; cluster: object }[];
  };
  return writeTokenKubeconfig(join(tools.helmHome, 'operator-sa.kubeconfig'), admin.clusters[0]!, token);
}

/**
 * `vpo operator` with the args of the installed Deployment (as the kubelet expands them; --port=0
 * instead of a fixed port on this shared machine) and only its ServiceAccount's rights: it must
 * win its Lease and bring the sample to Ready=True without a single Forbidden.
 */
export async function operatorReconcilesUnderChartRbac(
  tools: ChartTools,
  installed: Installed,
): Promise<void> {
  const { kubectl, getJson } = tools;
  const { namespace, pipelines, fullname } = installed;
  const deployment = await getJson('deployment', '-n', namespace, fullname);
  const identity = `${fullname}-under-test`;
  const args = deploymentOperatorArgs(deployment, namespace, identity);
  const saKubeconfig = await serviceAccountKubeconfig(tools, installed);
  const operator = spawnOperator(
    [join(ROOT, 'bin', 'vpo.ts'), ...args, `--kubeconfig=${saKubeconfig}`],
    envWithoutKubeconfig(),
  );
  const { child, exited } = operator;
  const logText = () => operator.logs.join('');
  const vp = () => getJson('vp', 'video-classifier', '-n', pipelines);
  try {
    await eventually('the operator to hold the vpo-operator Lease', async () => {
      const lease = await getJson('lease', 'vpo-operator', '-n', namespace);
      return lease.spec.holderIdentity === identity ? lease : undefined;
    });
    await kubectl('apply', '-n', pipelines, '-f', join(ROOT, 'samples', 'video-classifier'));
    const ready = await eventually(
      'the sample VideoPipeline Ready=True',
      async () => {
        const obj = await vp();
        const readyCondition = obj.status?.conditions?.find((c: K8sObject) => c.type === 'Ready');
        return readyCondition?.status === 'True' ? obj : undefined;
      },
      150_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\noperator log:\n${logText().slice(-3000)}`, { cause: error });
    });
    const backends = (await getJson('deployments', '-n', pipelines, '-l', 'serving.vpo.dev/role=backend'))
      .items as K8sObject[];
    assert.equal(backends.length, ready.status.plan.backends.length);
    for (const backend of backends) {
      const volumes = backend.spec.template.spec.volumes as K8sObject[];
      assert.ok(
        volumes.some((v) => v.persistentVolumeClaim?.claimName === `${fullname}-frames`),
        `${backend.metadata.name} does not mount the chart's frame-store claim`,
      );
    }
    // Deleting runs the finalizer, which needs the same rights.
    await kubectl('delete', 'vp', 'video-classifier', '-n', pipelines, '--timeout=120s');
    assert.doesNotMatch(
      logText(),
      /forbidden|\b403\b/i,
      `the operator was refused something:\n${logText().slice(-3000)}`,
    );
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  await kubectl(
    'delete',
    '-n',
    pipelines,
    '-f',
    join(ROOT, 'samples', 'video-classifier'),
    '--ignore-not-found',
  );
}
