// The Helm chart against a real API server: `helm lint`; `helm template` with every option on,
// applied with `kubectl apply --dry-run=server` (our CRDs and a minimal ServiceMonitor CRD
// installed first, so the ServiceMonitor is validated too); then `helm install`, `helm upgrade`
// and `helm uninstall`, checking the objects, the RBAC the operator gets (`kubectl auth can-i`)
// and that KWOK reports the operator pods Running (they do not execute: KWOK has no kubelet).
// Last, the operator runs (from the sources, not the image) with the installed Deployment's flags and
// its ServiceAccount's token, and must reconcile the sample without one Forbidden.
// Uses $KUBECONFIG and $KAFKA_BOOTSTRAP when set, else starts its own cluster and broker.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dump, load, loadAll } from 'js-yaml';
import { parseOperatorArgs } from '../operator/config.ts';
import { type RunningEnvironment, startEnvironment } from './env/environment.ts';
import { ensureBinaries } from './env/k8s/binaries.ts';

const ROOT = join(import.meta.dirname, '..');
const CHART = join(ROOT, 'charts', 'vpo');
const RELEASE = 'chart-e2e';
const NAMESPACE = `vpo-chart-e2e-${process.pid}`;
const PIPELINES = `vpo-chart-media-${process.pid}`;
const STORAGE_CLASS = `vpo-e2e-rwx-${process.pid}`;
const FULLNAME = `${RELEASE}-vpo`;
const SA = `system:serviceaccount:${NAMESPACE}:${FULLNAME}`;
const SERVICE_MONITOR_CRD = 'servicemonitors.monitoring.coreos.com';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
  };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field below
  [key: string]: any;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let kubeconfig = '';
let kafkaBootstrap = '';
let helmBin = '';
let helmHome = '';

function run(command: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      KUBECONFIG: kubeconfig,
      HELM_CACHE_HOME: join(helmHome, 'cache'),
      HELM_CONFIG_HOME: join(helmHome, 'config'),
      HELM_DATA_HOME: join(helmHome, 'data'),
    };
    const child = execFile(command, args, { env, maxBuffer: 32 << 20 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function ok(command: string, args: string[], input?: string): Promise<string> {
  const result = await run(command, args, input);
  assert.equal(result.code, 0, `${command} ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

const helm = (...args: string[]) => ok(helmBin, args);
const kubectl = (...args: string[]) => ok('kubectl', args);
const getJson = async (...args: string[]) => JSON.parse(await kubectl('get', ...args, '-o', 'json'));

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`, { cause: last });
    await sleep(500);
  }
}

/**
 * `kubectl auth can-i` as the operator's ServiceAccount. `resource` may be `plural.group/name`;
 * a subresource goes after `#` (`videopipelines.serving.vpo.dev#status`).
 */
async function canI(verb: string, resource: string, namespace?: string): Promise<boolean> {
  const [target, subresource] = resource.split('#');
  const args = ['auth', 'can-i', verb, target!, '--as', SA];
  if (subresource) args.push(`--subresource=${subresource}`);
  args.push(...(namespace ? ['-n', namespace] : ['--all-namespaces']));
  const result = await run('kubectl', args);
  if (result.stdout.trim() === 'yes') return true;
  if (result.stdout.trim() === 'no') return false;
  throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}${result.stdout}`);
}

const BASE_VALUES = [
  '--set',
  'kafka.bootstrapServers=kafka-0.kafka:9092\\,kafka-1.kafka:9092', // --set splits on unescaped commas
  '--set',
  `frameStore.persistentVolumeClaim.storageClassName=${STORAGE_CLASS}`,
  '--set',
  'frameStore.persistentVolumeClaim.size=1Gi',
];
/** Every option on: TLS with client certificates, SASL, ServiceMonitor, a second frame-store namespace. */
const FULL_VALUES = [
  ...BASE_VALUES,
  '--set',
  'kafka.tls.enabled=true',
  '--set',
  'kafka.tls.caSecretRef.name=kafka-ca',
  '--set',
  'kafka.tls.certSecretRef.name=kafka-client',
  '--set',
  'kafka.tls.keySecretRef.name=kafka-client',
  '--set',
  'kafka.sasl.enabled=true',
  '--set',
  'kafka.sasl.usernameSecretRef.name=kafka-user',
  '--set',
  'kafka.sasl.passwordSecretRef.name=kafka-user',
  '--set',
  'metrics.serviceMonitor.enabled=true',
  '--set',
  'metrics.serviceMonitor.labels.release=prometheus',
  '--set',
  `frameStore.namespaces={${PIPELINES}}`,
];

async function template(values: string[]): Promise<K8sObject[]> {
  const out = await helm('template', RELEASE, CHART, '--namespace', NAMESPACE, ...values);
  return (loadAll(out) as (K8sObject | null)[]).filter((doc): doc is K8sObject => doc !== null);
}

const find = (objects: K8sObject[], kind: string, name?: string) =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

/** A kubeconfig for the operator's ServiceAccount: the test cluster's server and CA, a bound token. */
async function serviceAccountKubeconfig(dir: string): Promise<string> {
  const token = (await kubectl('create', 'token', FULLNAME, '-n', NAMESPACE, '--duration=1h')).trim();
  const admin = load(await readFile(kubeconfig, 'utf8')) as { clusters: { name: string; cluster: object }[] };
  const cluster = admin.clusters[0]!;
  const path = join(dir, 'operator-sa.kubeconfig');
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

/**
 * `vpo operator` with the args of the installed Deployment (as the kubelet expands them; --port=0
 * instead of a fixed port on this shared machine) and only its ServiceAccount's rights: it must
 * win its Lease and bring the sample to Ready=True without a single Forbidden.
 */
async function operatorReconcilesUnderChartRbac(): Promise<void> {
  const deployment = await getJson('deployment', '-n', NAMESPACE, FULLNAME);
  const identity = `${FULLNAME}-under-test`;
  const args = (deployment.spec.template.spec.containers[0].args as string[]).map((arg) =>
    arg.startsWith('--port=')
      ? '--port=0'
      : arg.replace('$(POD_NAMESPACE)', NAMESPACE).replace('$(POD_NAME)', identity),
  );
  const saKubeconfig = await serviceAccountKubeconfig(helmHome);
  const { KUBECONFIG: _admin, ...env } = process.env;
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'vpo.ts'), ...args, `--kubeconfig=${saKubeconfig}`],
    {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let logs = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    logs += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const vp = () => getJson('vp', 'video-classifier', '-n', PIPELINES);
  try {
    await eventually('the operator to hold the vpo-operator Lease', async () => {
      const lease = await getJson('lease', 'vpo-operator', '-n', NAMESPACE);
      return lease.spec.holderIdentity === identity ? lease : undefined;
    });
    await kubectl('apply', '-n', PIPELINES, '-f', join(ROOT, 'samples', 'video-classifier'));
    const ready = await eventually(
      'the sample VideoPipeline Ready=True',
      async () => {
        const obj = await vp();
        const readyCondition = obj.status?.conditions?.find((c: K8sObject) => c.type === 'Ready');
        return readyCondition?.status === 'True' ? obj : undefined;
      },
      150_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\noperator log:\n${logs.slice(-3000)}`, { cause: error });
    });
    const backends = (await getJson('deployments', '-n', PIPELINES, '-l', 'serving.vpo.dev/role=backend'))
      .items as K8sObject[];
    assert.equal(backends.length, ready.status.plan.backends.length);
    for (const backend of backends) {
      const volumes = backend.spec.template.spec.volumes as K8sObject[];
      assert.ok(
        volumes.some((v) => v.persistentVolumeClaim?.claimName === `${FULLNAME}-frames`),
        `${backend.metadata.name} does not mount the chart's frame-store claim`,
      );
    }
    // Deleting runs the finalizer, which needs the same rights.
    await kubectl('delete', 'vp', 'video-classifier', '-n', PIPELINES, '--timeout=120s');
    assert.doesNotMatch(
      logs,
      /forbidden|\b403\b/i,
      `the operator was refused something:\n${logs.slice(-3000)}`,
    );
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  await kubectl(
    'delete',
    '-n',
    PIPELINES,
    '-f',
    join(ROOT, 'samples', 'video-classifier'),
    '--ignore-not-found',
  );
}

describe('charts/vpo', () => {
  let environment: RunningEnvironment | undefined;
  const pvNames = [NAMESPACE, PIPELINES].map((ns) => `${ns}-frames`);

  before(async () => {
    helmHome = await mkdtemp(join(tmpdir(), 'vpo-helm-'));
    environment = await startEnvironment({ kafka: true, kubernetes: true });
    kubeconfig = environment.kubeconfig!;
    kafkaBootstrap = environment.kafkaBootstrap!;
    helmBin = (await ensureBinaries((line) => console.error(line))).helm;
    for (const ns of [NAMESPACE, PIPELINES]) await kubectl('create', 'namespace', ns);
    // ReadWriteMany PersistentVolumes of the class the release asks for, one per frame-store
    // claim, so the claims bind (the test cluster has no provisioner). KWOK mounts nothing.
    for (const [i, name] of pvNames.entries()) {
      await ok(
        'kubectl',
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'PersistentVolume',
          metadata: { name },
          spec: {
            capacity: { storage: '10Gi' },
            accessModes: ['ReadWriteMany'],
            storageClassName: STORAGE_CLASS,
            persistentVolumeReclaimPolicy: 'Retain',
            // Reserved for the claim the chart will create in that namespace.
            claimRef: { namespace: [NAMESPACE, PIPELINES][i], name: `${FULLNAME}-frames` },
            nfs: { server: 'nfs.example.internal', path: `/${name}` },
          },
        }),
      );
    }
  });

  after(async () => {
    await run(helmBin, ['uninstall', RELEASE, '--namespace', NAMESPACE, '--wait']);
    for (const args of [
      ['namespace', NAMESPACE, PIPELINES],
      ['pv', ...pvNames],
      ['crd', SERVICE_MONITOR_CRD],
    ]) {
      await run('kubectl', ['delete', ...args, '--ignore-not-found', '--wait=false']);
    }
    await environment?.stop();
    await rm(helmHome, { recursive: true, force: true });
  });

  test('helm lint passes with the required value and fails clearly without it', async () => {
    await helm('lint', '--strict', CHART, ...BASE_VALUES);
    await helm('lint', '--strict', CHART, ...FULL_VALUES);
    const missing = await run(helmBin, ['template', RELEASE, CHART]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /kafka\.bootstrapServers is required/);
    const noSecret = await run(helmBin, [
      'template',
      RELEASE,
      CHART,
      ...BASE_VALUES,
      '--set',
      'kafka.sasl.enabled=true',
    ]);
    assert.notEqual(noSecret.code, 0);
    assert.match(noSecret.stderr, /kafka\.sasl\.usernameSecretRef: a Secret name is required/);
  });

  test('the rendered operator is hardened, leader-elected, and takes Kafka secrets from Secrets only', async () => {
    const objects = await template(FULL_VALUES);
    const [deployment] = find(objects, 'Deployment', FULLNAME);
    assert.ok(deployment, 'no operator Deployment');
    assert.equal(deployment.spec.replicas, 2);
    const pod = deployment.spec.template.spec;
    assert.deepEqual(pod.securityContext, {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const [container] = pod.containers;
    assert.equal(container.image, 'ghcr.io/vpo-dev/vpo:0.1.0');
    assert.deepEqual(container.securityContext, {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
    assert.equal(container.args[0], 'operator');
    for (const flag of [
      '--port=8080',
      '--leader-elect',
      '--lease-namespace=$(POD_NAMESPACE)',
      '--identity=$(POD_NAME)',
      '--kafka-bootstrap=kafka-0.kafka:9092,kafka-1.kafka:9092',
      `--frame-store-claim=${FULLNAME}-frames`,
      '--image=ghcr.io/vpo-dev/vpo:0.1.0',
    ]) {
      assert.ok(container.args.includes(flag), `args lack ${flag}: ${container.args.join(' ')}`);
    }
    // The operator accepts these flags (an unknown one stops it at start), as the kubelet expands them.
    const expanded = (container.args as string[])
      .slice(1)
      .map((arg) => arg.replace('$(POD_NAMESPACE)', NAMESPACE).replace('$(POD_NAME)', 'vpo-abc12'));
    const config = parseOperatorArgs(expanded, {}, '0.1.0');
    assert.equal(config.leaderElect, true);
    assert.equal(config.leaseNamespace, NAMESPACE);
    assert.equal(config.identity, 'vpo-abc12');
    assert.equal(config.port, container.ports[0].containerPort);
    assert.equal(config.image, 'ghcr.io/vpo-dev/vpo:0.1.0');
    assert.equal(config.frameStoreClaim, `${FULLNAME}-frames`);
    assert.equal(config.kafkaBootstrap, 'kafka-0.kafka:9092,kafka-1.kafka:9092');
    const env = new Map<string, K8sObject>(container.env.map((e: K8sObject) => [e.name, e]));
    for (const [name, secret] of [
      ['VPO_KAFKA_TLS_CA', 'kafka-ca'],
      ['VPO_KAFKA_TLS_CERT', 'kafka-client'],
      ['VPO_KAFKA_TLS_KEY', 'kafka-client'],
      ['VPO_KAFKA_SASL_USERNAME', 'kafka-user'],
      ['VPO_KAFKA_SASL_PASSWORD', 'kafka-user'],
    ] as const) {
      assert.equal(
        env.get(name)?.valueFrom?.secretKeyRef?.name,
        secret,
        `${name} is not from Secret ${secret}`,
      );
      assert.equal(env.get(name)?.value, undefined);
    }
    assert.equal(env.get('VPO_KAFKA_TLS')?.value, 'true');
    assert.equal(env.get('VPO_KAFKA_SASL_MECHANISM')?.value, 'scram-sha-512');

    const pvcs = find(objects, 'PersistentVolumeClaim');
    assert.deepEqual(pvcs.map((p) => p.metadata.namespace).sort(), [NAMESPACE, PIPELINES].sort());
    for (const pvc of pvcs) {
      assert.deepEqual(pvc.spec.accessModes, ['ReadWriteMany']);
      assert.equal(pvc.spec.storageClassName, STORAGE_CLASS);
    }
    const [monitor] = find(objects, 'ServiceMonitor');
    assert.equal(monitor?.metadata.labels?.release, 'prometheus');
    assert.equal(monitor?.spec.endpoints[0].port, find(objects, 'Service')[0]?.spec.ports[0].name);
  });

  test('RBAC has no wildcards and no cluster-admin', async () => {
    const objects = await template(FULL_VALUES);
    const roles = [...find(objects, 'ClusterRole'), ...find(objects, 'Role')];
    assert.equal(roles.length, 2);
    for (const role of roles) {
      for (const rule of role.rules) {
        for (const field of ['apiGroups', 'resources', 'verbs'] as const) {
          assert.ok(!rule[field].includes('*'), `${role.metadata.name}: wildcard in ${field}`);
        }
      }
    }
    for (const binding of [...find(objects, 'ClusterRoleBinding'), ...find(objects, 'RoleBinding')]) {
      assert.notEqual(binding.roleRef.name, 'cluster-admin');
      assert.ok(binding.roleRef.name.startsWith(FULLNAME));
    }
  });

  test('every rendered object passes server-side dry run (CRDs and a minimal ServiceMonitor CRD installed)', async () => {
    // Our CRDs from the chart, as `helm install` installs them; the ServiceMonitor CRD is a minimal
    // stand-in for the Prometheus Operator's (group, kind, version; schema left open).
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', join(CHART, 'crds'));
    await ok(
      'kubectl',
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: SERVICE_MONITOR_CRD },
        spec: {
          group: 'monitoring.coreos.com',
          scope: 'Namespaced',
          names: {
            kind: 'ServiceMonitor',
            listKind: 'ServiceMonitorList',
            plural: 'servicemonitors',
            singular: 'servicemonitor',
          },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          ],
        },
      }),
    );
    await kubectl('wait', '--for=condition=Established', '--timeout=60s', `crd/${SERVICE_MONITOR_CRD}`);
    const rendered = await helm('template', RELEASE, CHART, '--namespace', NAMESPACE, ...FULL_VALUES);
    const out = await ok('kubectl', ['apply', '--dry-run=server', '-f', '-'], rendered);
    const lines = out.trim().split('\n');
    assert.ok(
      lines.every((line) => line.endsWith('(server dry run)')),
      out,
    );
    for (const kind of [
      'deployment.apps',
      'clusterrole.rbac',
      'role.rbac',
      'servicemonitor.monitoring.coreos.com',
    ]) {
      assert.ok(
        lines.some((line) => line.startsWith(kind)),
        `no ${kind} in:\n${out}`,
      );
    }
    // A broken value is caught by the API server, not silently applied.
    const bad = await helm(
      'template',
      RELEASE,
      CHART,
      '--namespace',
      NAMESPACE,
      ...BASE_VALUES,
      '--set',
      'frameStore.persistentVolumeClaim.size=lots',
    );
    const rejected = await run('kubectl', ['apply', '--dry-run=server', '-f', '-'], bad);
    assert.notEqual(rejected.code, 0);
    assert.match(rejected.stderr, /quantities must match the regular expression|unable to parse quantity/);
  });

  test('helm install, upgrade and uninstall', async () => {
    const installed = await helm(
      'install',
      RELEASE,
      CHART,
      '--namespace',
      NAMESPACE,
      ...BASE_VALUES,
      '--set',
      `kafka.bootstrapServers=${kafkaBootstrap.replaceAll(',', '\\,')}`,
      '--set',
      `operator.watchNamespace=${PIPELINES}`,
      '--set',
      `frameStore.namespaces={${PIPELINES}}`,
      '--wait',
      '--timeout',
      '3m',
    );
    assert.match(installed, /STATUS: deployed/);
    assert.match(installed, /kubectl apply -n <namespace> -f samples\/video-classifier\//);

    // KWOK reports the operator pods Running and Ready (it has no kubelet: nothing executes).
    const selector = `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=operator`;
    const runningPods = async (count: number, image: string) =>
      eventually(`${count} Running operator pods with ${image}`, async () => {
        const pods = (await getJson('pods', '-n', NAMESPACE, '-l', selector)).items as K8sObject[];
        const running = pods.filter(
          (p) =>
            p.status.phase === 'Running' &&
            !p.metadata.deletionTimestamp &&
            p.spec.containers[0].image === image &&
            p.status.conditions?.some((c: K8sObject) => c.type === 'Ready' && c.status === 'True'),
        );
        return running.length === count && pods.length === count ? running : undefined;
      });
    const pods = await runningPods(2, 'ghcr.io/vpo-dev/vpo:0.1.0');
    const nodes = (await getJson('nodes')).items as K8sObject[];
    for (const pod of pods) {
      const node = nodes.find((n) => n.metadata.name === pod.spec.nodeName);
      assert.ok(
        node?.metadata.annotations?.['kwok.x-k8s.io/node'],
        `${pod.metadata.name} is not on a KWOK node`,
      );
      assert.equal(pod.spec.serviceAccountName, FULLNAME);
    }

    const pvc = await getJson('pvc', '-n', NAMESPACE, `${FULLNAME}-frames`);
    assert.equal(pvc.status.phase, 'Bound');
    assert.equal(pvc.spec.volumeName, pvNames[0]);
    const pipelinesPvc = await getJson('pvc', '-n', PIPELINES, `${FULLNAME}-frames`);
    assert.equal(pipelinesPvc.status.phase, 'Bound');
    // The metrics Service selects exactly the operator pods.
    await eventually('2 endpoints behind the metrics Service', async () => {
      const slices = (
        await getJson(
          'endpointslices',
          '-n',
          NAMESPACE,
          '-l',
          `kubernetes.io/service-name=${FULLNAME}-metrics`,
        )
      ).items as K8sObject[];
      const endpoints = slices.flatMap((s) => s.endpoints ?? []);
      return endpoints.length === 2 ? endpoints : undefined;
    });
    assert.equal((await getJson('pdb', '-n', NAMESPACE, FULLNAME)).spec.minAvailable, 1);

    // The operator's ServiceAccount may do its job, and nothing more.
    for (const [verb, resource, ns] of [
      ['watch', 'videopipelines.serving.vpo.dev', undefined],
      ['list', 'modelsessions.serving.vpo.dev', undefined],
      ['patch', 'videopipelines.serving.vpo.dev', PIPELINES],
      ['patch', 'videopipelines.serving.vpo.dev#status', PIPELINES],
      ['patch', 'modelsessions.serving.vpo.dev#status', PIPELINES],
      ['update', 'videopipelines.serving.vpo.dev#finalizers', PIPELINES],
      ['create', 'deployments.apps', PIPELINES],
      ['patch', 'deployments.apps', PIPELINES],
      ['delete', 'deployments.apps', PIPELINES],
      ['create', 'configmaps', PIPELINES],
      ['patch', 'services', PIPELINES],
      ['create', 'events', PIPELINES],
      ['watch', 'nodes', undefined],
      ['create', 'leases.coordination.k8s.io', NAMESPACE],
      ['get', 'leases.coordination.k8s.io/vpo-operator', NAMESPACE],
      ['update', 'leases.coordination.k8s.io/vpo-operator', NAMESPACE],
    ] as const) {
      assert.equal(await canI(verb, resource, ns), true, `operator cannot ${verb} ${resource}`);
    }
    for (const [verb, resource, ns] of [
      ['get', 'secrets', PIPELINES],
      ['create', 'pods', PIPELINES],
      ['delete', 'configmaps', PIPELINES],
      ['delete', 'nodes', undefined],
      ['patch', 'nodes', undefined],
      ['update', 'videopipelines.serving.vpo.dev', PIPELINES],
      ['update', 'videopipelines.serving.vpo.dev#status', PIPELINES],
      ['patch', 'deployments.apps#scale', PIPELINES],
      ['delete', 'videopipelines.serving.vpo.dev', PIPELINES],
      ['create', 'clusterroles.rbac.authorization.k8s.io', undefined],
      ['update', 'leases.coordination.k8s.io/kube-scheduler', 'kube-system'],
      ['update', 'leases.coordination.k8s.io/someone-else', NAMESPACE],
      ['create', 'leases.coordination.k8s.io', PIPELINES],
      ['*', '*', undefined],
    ] as const) {
      assert.equal(await canI(verb, resource, ns), false, `operator may ${verb} ${resource}`);
    }
    await operatorReconcilesUnderChartRbac();

    const upgraded = await helm(
      'upgrade',
      RELEASE,
      CHART,
      '--namespace',
      NAMESPACE,
      '--reuse-values',
      '--set',
      'replicaCount=3',
      '--set',
      'image.tag=0.1.1',
      '--wait',
      '--timeout',
      '3m',
    );
    assert.match(upgraded, /REVISION: 2/);
    await runningPods(3, 'ghcr.io/vpo-dev/vpo:0.1.1');
    const deployment = await getJson('deployment', '-n', NAMESPACE, FULLNAME);
    assert.ok(deployment.spec.template.spec.containers[0].args.includes('--image=ghcr.io/vpo-dev/vpo:0.1.1'));
    assert.equal((await getJson('pvc', '-n', NAMESPACE, `${FULLNAME}-frames`)).spec.volumeName, pvNames[0]);

    await helm('uninstall', RELEASE, '--namespace', NAMESPACE, '--wait', '--timeout', '2m');
    for (const args of [
      ['deployment', '-n', NAMESPACE, FULLNAME],
      ['serviceaccount', '-n', NAMESPACE, FULLNAME],
      ['pvc', '-n', NAMESPACE, `${FULLNAME}-frames`],
      ['clusterrole', FULLNAME],
      ['clusterrolebinding', FULLNAME],
    ]) {
      await eventually(`${args.join(' ')} deleted`, async () => {
        const result = await run('kubectl', ['get', ...args, '--ignore-not-found', '-o', 'name']);
        return result.code === 0 && result.stdout.trim() === '' ? true : undefined;
      });
    }
    await eventually('operator pods gone', async () => {
      const pods = (await getJson('pods', '-n', NAMESPACE, '-l', selector)).items as K8sObject[];
      return pods.length === 0 ? true : undefined;
    });
    // Helm never deletes CRDs (that would delete every user's pipelines): they stay.
    await kubectl('get', 'crd', 'videopipelines.serving.vpo.dev', 'modelsessions.serving.vpo.dev');
  });
});
