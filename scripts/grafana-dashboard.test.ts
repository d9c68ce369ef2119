// The chart's Grafana dashboard queries only metrics vpo exports: every vpo_* name in every panel
// expression is a metric of the runtime's or the operator's registry (a histogram's _bucket, _sum
// and _count included), and every label it groups by is one of that metric's labels (or `pod`,
// which Prometheus adds from the scrape target).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createOperatorMetrics } from '../operator/http/metrics.ts';
import { createRuntimeMetrics } from '../runtime/metrics.ts';

const chart = new URL('../charts/vpo/', import.meta.url);
const dashboard = JSON.parse(readFileSync(new URL('dashboards/vpo.json', chart), 'utf8')) as {
  panels: { title: string; targets?: { expr: string }[] }[];
  templating: { list: { query?: string | { query: string } }[] };
};

async function exported(): Promise<Map<string, { type: string; labels: Set<string> }>> {
  const out = new Map<string, { type: string; labels: Set<string> }>();
  const runtime = createRuntimeMetrics();
  const operator = createOperatorMetrics();
  for (const registry of [runtime.registry, operator.registry]) {
    // A metric's label names come from its configuration (prom-client keeps them on the object).
    for (const metric of registry.getMetricsAsArray()) {
      const m = metric as unknown as { name: string; labelNames?: string[]; constructor: { name: string } };
      out.set(m.name, { type: m.constructor.name.toLowerCase(), labels: new Set(m.labelNames ?? []) });
    }
  }
  return out;
}

function expressions(): { where: string; expr: string }[] {
  const panels = dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr })),
  );
  const variables = dashboard.templating.list.flatMap((v) => {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    return q?.includes('vpo_') ? [{ where: 'templating', expr: q }] : [];
  });
  return [...panels, ...variables];
}

test('every metric the dashboard queries is exported by the runtime or the operator', async () => {
  const metrics = await exported();
  const used = expressions();
  assert.ok(used.length >= 10, 'the dashboard has its panels');
  for (const { where, expr } of used) {
    for (const name of expr.match(/\bvpo_[a-z0-9_]+/g) ?? []) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      const found = metrics.get(name) ?? (base !== name ? metrics.get(base) : undefined);
      assert.ok(found, `${where}: ${name} is not a vpo metric`);
      if (base !== name && !metrics.has(name)) assert.equal(found.type, 'histogram', `${where}: ${name}`);
    }
  }
});

test('labels the dashboard groups and filters by exist on the metrics it reads', async () => {
  const metrics = await exported();
  for (const { where, expr } of expressions()) {
    const names = (expr.match(/\bvpo_[a-z0-9_]+/g) ?? []).map((n) => n.replace(/_(bucket|sum|count)$/, ''));
    const labels = new Set(names.flatMap((n) => [...(metrics.get(n)?.labels ?? [])]));
    labels.add('pod').add('le');
    const grouped = [...expr.matchAll(/\b(?:by|on)\s*\(([^)]*)\)/g)].flatMap((m) =>
      m[1]!.split(',').map((l) => l.trim()),
    );
    const filtered = [...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) =>
      m[1]!.split(',').flatMap((pair) => (pair.includes('=') ? [pair.split(/[=!~]/)[0]!.trim()] : [])),
    );
    for (const label of [...grouped, ...filtered].filter(Boolean))
      assert.ok(labels.has(label), `${where}: label ${label} is on none of ${names.join(', ')}`);
  }
});

test('the chart ships the dashboard as a ConfigMap for Grafana`s sidecar, off by default', () => {
  const template = readFileSync(new URL('templates/grafana-dashboard.yaml', chart), 'utf8');
  assert.match(template, /^\{\{- if \.Values\.grafana\.dashboard\.enabled \}\}/);
  assert.match(template, /\.Files\.Get "dashboards\/vpo\.json"/);
  const values = readFileSync(new URL('values.yaml', chart), 'utf8');
  assert.match(values, /grafana:\n {2}dashboard:\n(?: {4}#.*\n)* {4}enabled: false\n/);
  assert.match(values, /grafana_dashboard: "1"/);
});
