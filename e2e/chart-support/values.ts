// The chart under test and the value sets the e2e files install or render it with.
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import type { ChartTools, K8sObject } from './tools.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CHART = join(ROOT, 'charts', 'vpo');

/** The required value, and a frame-store claim of `storageClass` the test can bind. */
export const baseValues = (storageClass: string): string[] => [
  '--set',
  'kafka.bootstrapServers=kafka-0.kafka:9092\\,kafka-1.kafka:9092', // --set splits on unescaped commas
  '--set',
  `frameStore.persistentVolumeClaim.storageClassName=${storageClass}`,
  '--set',
  'frameStore.persistentVolumeClaim.size=1Gi',
];

/**
 * Every option on: TLS with client certificates, SASL, ServiceMonitor, a second frame-store
 * namespace, the Grafana dashboard.
 */
export const fullValues = (storageClass: string, pipelines: string): string[] => [
  ...baseValues(storageClass),
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
  `frameStore.namespaces={${pipelines}}`,
  '--set',
  'grafana.dashboard.enabled=true',
];

/** `helm template` of the chart as release `release` in `namespace`, parsed. */
export async function template(
  tools: ChartTools,
  release: string,
  namespace: string,
  values: string[],
): Promise<K8sObject[]> {
  const out = await tools.helm('template', release, CHART, '--namespace', namespace, ...values);
  return (loadAll(out) as (K8sObject | null)[]).filter((doc): doc is K8sObject => doc !== null);
}
