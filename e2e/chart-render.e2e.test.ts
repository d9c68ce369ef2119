// The Helm chart rendered, against a real API server: `helm lint`; `helm template` with every option
// on, checked for a hardened, leader-elected operator with Kafka secrets from Secrets only and RBAC
// without wildcards; then applied with `kubectl apply --dry-run=server` (our CRDs and a minimal
// ServiceMonitor CRD installed first, so the ServiceMonitor is validated too). Nothing is installed.
// Its release, namespaces and the ServiceMonitor CRD are this file's own: chart-install.e2e.test.ts
// may run beside it on the same cluster.
// Uses $KUBECONFIG and $KAFKA_BOOTSTRAP when set, else starts its own cluster and broker.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dump } from 'js-yaml';
import { parseOperatorArgs } from '../operator/config.ts';
import { namespaceBackends } from '../operator/render/backend-group.ts';
import { desiredChildren } from '../operator/render/desired.ts';
import { sampleNamespace } from '../operator/render/fixtures.test-support.ts';
import { type ChartClusterHandle, closeChartCluster, openChartCluster } from './chart-support/cluster.ts';
import { SERVICE_MONITOR_CRD, serviceMonitorCrd } from './chart-support/service-monitor-crd.ts';
import { type ChartTools, find, type K8sObject } from './chart-support/tools.ts';
import { baseValues, CHART, fullValues, template as render } from './chart-support/values.ts';
import { ensureCheckov, scanManifests } from './scan/checkov.ts';

const RELEASE = 'chart-render-e2e';
const NAMESPACE = `vpo-chart-render-${process.pid}`;
const PIPELINES = `vpo-chart-render-media-${process.pid}`;
const STORAGE_CLASS = `vpo-e2e-rwx-${process.pid}`;
const FULLNAME = `${RELEASE}-vpo`;
const BASE_VALUES = baseValues(STORAGE_CLASS);
const FULL_VALUES = fullValues(STORAGE_CLASS, PIPELINES);

describe('charts/vpo rendered', () => {
  const handle: ChartClusterHandle = { environment: undefined, helmHome: undefined, cluster: undefined };
  let tools: ChartTools;
  let run: ChartTools['run'];
  let ok: ChartTools['ok'];
  let helm: ChartTools['helm'];
  let kubectl: ChartTools['kubectl'];
  const template = (values: string[]) => render(tools, RELEASE, NAMESPACE, values);

  before(async () => {
    // The dry run needs the namespaces the rendered objects live in.
    ({ tools } = await openChartCluster(handle, [NAMESPACE, PIPELINES]));
    ({ run, ok, helm, kubectl } = tools);
  });

  after(async () => {
    for (const args of [
      ['namespace', NAMESPACE, PIPELINES],
      ['crd', SERVICE_MONITOR_CRD],
    ]) {
      await handle.cluster?.tools.run('kubectl', ['delete', ...args, '--ignore-not-found', '--wait=false']);
    }
    await closeChartCluster(handle);
  });

  test('checkov finds nothing in the chart or in what the operator renders, but the exceptions each justified', async () => {
    const checkov = await ensureCheckov();
    const dir = await mkdtemp(join(tmpdir(), 'vpo-scan-'));
    // The chart with every option on, and a namespace's runtime objects: shared backend groups,
    // ingest Deployments, Services, ConfigMaps and NetworkPolicies, as the operator applies them.
    const chart = await template(FULL_VALUES);
    const { hosted, planned, sessions } = sampleNamespace(3);
    // Frames on a claim, and in an object store whose keys reach the pods by secretKeyRef.
    const base = { image: 'ghcr.io/vpo-dev/vpo:0.1.0', kafkaBootstrap: 'kafka.kafka:9092' };
    const storages = {
      claim: { frameStoreClaim: 'vpo-frames' },
      s3: {
        frameStoreBucket: 'vpo-frames',
        objectStore: {
          endpoint: 'http://seaweedfs.storage:8333',
          region: 'us-east-1',
          forcePathStyle: true,
          credentialsSecret: 'vpo-s3',
        },
      },
    };
    const runtime = (options: typeof base) => [
      ...hosted.flatMap((h) => desiredChildren(h.pipeline, sessions, h.plan, options)),
      ...namespaceBackends(planned.backends, hosted, sessions, options).objects,
    ];
    for (const [name, objects] of [
      ['chart.yaml', chart],
      ['runtime-claim.yaml', runtime({ ...base, ...storages.claim })],
      ['runtime-s3.yaml', runtime({ ...base, ...storages.s3 })],
    ] as const) {
      const file = join(dir, name);
      await writeFile(file, objects.map((o) => dump(o, { noRefs: true })).join('---\n'));
      const report = await scanManifests(checkov, file);
      assert.ok(report.passed.length > 50, `${name}: ${report.passed.length} checks passed`);
      assert.deepEqual(
        report.failed.map((c) => `${c.check_id} ${c.resource}: ${c.check_name}`),
        [],
        `${name}: findings to fix or justify`,
      );
      for (const c of report.skipped)
        assert.ok(
          (c.check_result.suppress_comment ?? '').length > 20,
          `${name}: ${c.check_id} on ${c.resource} without a reason`,
        );
    }
    await rm(dir, { recursive: true, force: true });
  });

  test('helm lint passes with the required value and fails clearly without it', async () => {
    await helm('lint', '--strict', CHART, ...BASE_VALUES);
    await helm('lint', '--strict', CHART, ...FULL_VALUES);
    const missing = await run(tools.helmBin, ['template', RELEASE, CHART]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /kafka\.bootstrapServers is required/);
    const noSecret = await run(tools.helmBin, [
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

  test('cuda backends get the -cuda image; with a digest only runtime.cudaImage names one', async () => {
    const argsOf = async (values: string[]) => {
      const [deployment] = find(await template([...BASE_VALUES, ...values]), 'Deployment', FULLNAME);
      return deployment!.spec.template.spec.containers[0].args as string[];
    };
    const digest = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
    const pinned = await argsOf(['--set', `image.digest=${digest}`]);
    assert.ok(pinned.includes(`--image=ghcr.io/vpo-dev/vpo@${digest}`));
    assert.ok(!pinned.some((a) => a.startsWith('--cuda-image')), 'no -cuda tag can be derived from a digest');
    const named = await argsOf([
      '--set',
      `image.digest=${digest}`,
      '--set',
      'runtime.cudaImage=r.example/vpo@sha256:1',
    ]);
    assert.ok(named.includes('--cuda-image=r.example/vpo@sha256:1'));
    const mirrored = await argsOf(['--set', 'runtime.image=mirror.example/vpo:0.1.0']);
    assert.ok(mirrored.includes('--cuda-image=mirror.example/vpo:0.1.0-cuda'));
  });

  test('the Grafana dashboard is a ConfigMap for the sidecar when enabled, and absent by default', async () => {
    const [dashboard] = find(await template(FULL_VALUES), 'ConfigMap', `${FULLNAME}-dashboard`);
    assert.ok(dashboard, 'no dashboard ConfigMap');
    assert.equal(dashboard.metadata.labels?.grafana_dashboard, '1');
    const json = JSON.parse(dashboard.data['vpo.json']) as { uid: string; panels: unknown[] };
    assert.equal(json.uid, 'vpo-plan');
    assert.ok(json.panels.length > 10);
    assert.deepEqual(find(await template(BASE_VALUES), 'ConfigMap', `${FULLNAME}-dashboard`), []);
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
      '--cuda-image=ghcr.io/vpo-dev/vpo:0.1.0-cuda',
      '--plan-for=poisson',
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
    assert.equal(config.cudaImage, 'ghcr.io/vpo-dev/vpo:0.1.0-cuda', 'cuda backends: the -cuda variant');
    assert.equal(config.frameStoreClaim, `${FULLNAME}-frames`);
    assert.equal(config.kafkaBootstrap, 'kafka-0.kafka:9092,kafka-1.kafka:9092');
    assert.equal(config.planFor, 'poisson', 'operator.planFor: plans for Poisson arrivals by default');
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

  test('with an object store, the operator pod may reach its endpoint port (model checks)', async () => {
    const egressPorts = async (values: string[]) => {
      const [policy] = find(await template([...BASE_VALUES, ...values]), 'NetworkPolicy', FULLNAME);
      assert.ok(policy, 'no operator NetworkPolicy');
      return (policy.spec.egress as { ports: { port: number }[] }[]).flatMap((r) =>
        r.ports.map((p) => p.port),
      );
    };
    const store = ['--set', 'objectStore.region=us-east-1', '--set', 'objectStore.forcePathStyle=true'];
    const custom = await egressPorts([
      ...store,
      '--set',
      'objectStore.endpoint=http://seaweedfs.storage:8333',
    ]);
    assert.ok(custom.includes(8333), JSON.stringify(custom));
    const plain = await egressPorts([...store, '--set', 'objectStore.endpoint=http://s3.internal']);
    assert.ok(plain.includes(80), JSON.stringify(plain));
    const none = await egressPorts([]);
    assert.ok(!none.includes(8333) && !none.includes(80), JSON.stringify(none));
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

  test('core-group RBAC is what docs/install.md promises: Secrets create only, Pods list only, no logs or exec', async () => {
    const objects = await template(FULL_VALUES);
    const role = find(objects, 'ClusterRole')[0]!;
    const core = (resource: string) =>
      role.rules
        .filter(
          (r: { apiGroups: string[]; resources: string[] }) =>
            r.apiGroups.includes('') && r.resources.includes(resource),
        )
        .flatMap((r: { verbs: string[] }) => r.verbs)
        .sort();
    assert.deepEqual(core('secrets'), ['create']);
    assert.deepEqual(core('pods'), ['list']);
    for (const sub of ['pods/log', 'pods/exec', 'pods/attach', 'pods/portforward', 'serviceaccounts/token'])
      assert.deepEqual(core(sub), [], `${sub} must not be granted`);
  });

  test('every rendered object passes server-side dry run (CRDs and a minimal ServiceMonitor CRD installed)', async () => {
    // Our CRDs from the chart, as `helm install` installs them; the ServiceMonitor CRD is a minimal
    // stand-in for the Prometheus Operator's (group, kind, version; schema left open).
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', join(CHART, 'crds'));
    await ok('kubectl', ['apply', '-f', '-'], JSON.stringify(serviceMonitorCrd));
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
});
