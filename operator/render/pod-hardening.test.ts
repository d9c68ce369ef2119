import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleChildren } from './fixtures.test-support.ts';

// biome-ignore lint/suspicious/noExplicitAny: the test walks rendered JSON by path
type Obj = Record<string, any>;

function pods() {
  const objects = sampleChildren({ image: 'vpo:test', kafkaBootstrap: 'k:9092' });
  return objects.filter((o) => o.kind === 'Deployment').map((d) => (d as Obj).spec.template.spec as Obj);
}

test('every scratch volume of a runtime pod is bounded (no pod fills its node disk)', () => {
  for (const spec of pods()) {
    const emptyDirs = (spec.volumes as Obj[]).filter((v) => v.emptyDir);
    assert.ok(emptyDirs.length > 0);
    for (const v of emptyDirs) assert.match(String(v.emptyDir.sizeLimit), /^\d+[GM]i$/, v.name);
  }
});

test('probes and metrics use the ops port; only ingest exposes the API port', () => {
  for (const spec of pods()) {
    const c = spec.containers[0] as Obj;
    assert.equal(c.readinessProbe.httpGet.port, 'ops');
    assert.equal(c.livenessProbe.httpGet.port, 'ops');
    const names = (c.ports as Obj[]).map((p) => p.name);
    assert.deepEqual(names, c.name === 'ingest' ? ['ops', 'http'] : ['ops']);
  }
});

test('network policies: ingest API from allowed namespaces, ops from monitoring, backends from nowhere else', () => {
  const render = (extra: object) =>
    sampleChildren({ image: 'vpo:test', kafkaBootstrap: 'k1:9093,k2:9093', ...extra }).filter(
      (o) => o.kind === 'NetworkPolicy',
    ) as Obj[];
  const [ingest, backends] = render({ monitoringNamespace: 'prom' });
  assert.ok(ingest && backends);
  assert.equal(ingest.spec.podSelector.matchLabels['serving.vpo.dev/role'], 'ingest');
  assert.equal(backends.spec.podSelector.matchLabels['serving.vpo.dev/role'], 'backend');
  assert.equal(backends.spec.podSelector.matchLabels['serving.vpo.dev/pipeline'], undefined);
  const from = (rule: Obj) =>
    rule.from.map((f: Obj) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']);
  assert.deepEqual(from(ingest.spec.ingress[0]), ['media']);
  assert.deepEqual(ingest.spec.ingress[0].ports, [{ protocol: 'TCP', port: 'http' }]);
  assert.deepEqual(from(ingest.spec.ingress[1]), ['prom']);
  assert.equal(backends.spec.ingress.length, 1);
  assert.deepEqual(backends.spec.ingress[0].ports, [{ protocol: 'TCP', port: 'ops' }]);
  for (const p of [ingest, backends]) {
    assert.deepEqual(p.spec.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(p.spec.egress[1].ports, [{ protocol: 'TCP', port: 9093 }]);
  }
  // Only ingest reaches the web, never private ranges or the metadata address.
  assert.equal(backends.spec.egress.length, 2);
  assert.ok(ingest.spec.egress[2].to[0].ipBlock.except.includes('169.254.0.0/16'));
  const [wider] = render({ ingestFrom: ['clients', 'batch'] });
  assert.deepEqual(from(wider!.spec.ingress[0]), ['clients', 'batch']);
  assert.equal(render({ networkPolicies: false }).length, 0);
});
