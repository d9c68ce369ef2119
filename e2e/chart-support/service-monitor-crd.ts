// A minimal stand-in for the Prometheus Operator's ServiceMonitor CRD (group, kind, version; schema
// left open), so a server-side dry run validates the chart's ServiceMonitor. Cluster-scoped: only
// chart-render.e2e.test.ts creates and deletes it.
export const SERVICE_MONITOR_CRD = 'servicemonitors.monitoring.coreos.com';

export const serviceMonitorCrd = {
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
};
