// NetworkPolicies of a pipeline's pods (pure): nothing reaches a runtime pod but what it serves,
// and it reaches nothing but what it needs.
// - ingest: its API port (`http`) from the namespaces allowed to submit videos (the pipeline's own
//   by default), its ops port from the monitoring namespace; egress to DNS, Kafka, and the video
//   sources on the public internet (private ranges and metadata addresses excluded, as in the
//   ingest's own address policy).
// - backends: the ops port from the monitoring namespace only; egress to DNS and Kafka. Backend
//   groups serve several pipelines of a namespace, so one policy covers every vpo backend pod of
//   the namespace, owned by the pipelines with backends (beside the vpo-backends Service).
// Kafka's brokers are reached by port (their addresses come from the bootstrap list and its
// metadata, which a policy cannot follow).
// - Both: egress to the pipelines' object store (s3 frame store, s3:// sources and models) and,
//   for backends, to the servers of http(s):// models: to the address itself when the URL names
//   an IPv4 address, to public addresses for AWS S3 (no endpoint), else by port, as for Kafka (a
//   name's addresses cannot be followed either). The ingest's in-process address policy still
//   refuses private addresses for video sources whatever the policy lets through.
import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
import type { S3ConnectionSpec } from '../../contract/object-store.ts';
import type { DesiredChild } from './desired.ts';
import { BACKENDS_SERVICE, LABELS, MANAGED_BY, pipelineLabels } from './names.ts';
import type { RenderOptions } from './options.ts';
import { childMetadata, sharedMetadata } from './owner.ts';

/** Kubernetes sets this label on every namespace. */
const NAMESPACE_NAME = 'kubernetes.io/metadata.name';
/** Private, shared and metadata ranges a video source may not be in (runtime/ingest/address.ts). */
const notPublic = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '127.0.0.0/8',
];

export type NetworkPolicyOptions = Pick<
  RenderOptions,
  'kafkaBootstrap' | 'monitoringNamespace' | 'ingestFrom' | 'storage'
>;

function kafkaPorts(bootstrap: string): number[] {
  const ports = bootstrap
    .split(',')
    .map((b) => Number(b.trim().split(':').at(-1)))
    .filter((p) => Number.isInteger(p) && p > 0);
  return [...new Set(ports.length > 0 ? ports : [9092])].sort((a, b) => a - b);
}

const fromNamespace = (name: string) => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: name } } });
const tcp = (port: number | string) => ({ protocol: 'TCP', port });

const publicAddresses = { ipBlock: { cidr: '0.0.0.0/0', except: notPublic } };
const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/;

/** The egress rule that reaches the server of an http(s) URL (an object store endpoint or a model). */
export function urlEgress(url: string): Record<string, unknown> | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  const host = parsed.hostname;
  if (IPV4.test(host)) return { to: [{ ipBlock: { cidr: `${host}/32` } }], ports: [tcp(port)] };
  return { ports: [tcp(port)] };
}

/** Egress to object stores: AWS S3 (no endpoint) on public addresses, else their endpoints. */
export function objectStoreEgress(stores: S3ConnectionSpec[]): Record<string, unknown>[] {
  return stores.flatMap((s): Record<string, unknown>[] => {
    if (!s.endpoint) return [{ to: [publicAddresses], ports: [tcp(443)] }];
    const rule = urlEgress(s.endpoint);
    return rule ? [rule] : [];
  });
}

const unique = (rules: Record<string, unknown>[]) => [
  ...new Map(rules.map((r) => [JSON.stringify(r), r])).values(),
];

function egress(options: NetworkPolicyOptions, publicWeb: boolean, servers: Record<string, unknown>[]) {
  return [
    { ports: [{ protocol: 'UDP', port: 53 }, tcp(53)] },
    { ports: kafkaPorts(options.kafkaBootstrap).map(tcp) },
    ...(publicWeb ? [{ to: [publicAddresses], ports: [tcp(443), tcp(80)] }] : []),
    ...unique(servers),
  ];
}

function policy(
  metadata: DesiredChild['metadata'],
  selector: Record<string, string>,
  ingress: unknown[],
  egressRules: Record<string, unknown>[],
) {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata,
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress,
      egress: egressRules,
    },
  };
}

const opsFrom = (options: NetworkPolicyOptions) => ({
  from: [fromNamespace(options.monitoringNamespace ?? 'monitoring')],
  ports: [tcp('ops')],
});

/**
 * A pipeline's ingest pods: submissions on the API port, scrapes on the ops port; out to the web
 * and the pipeline's object store (`options.storage`, storage.ts).
 */
export function ingestNetworkPolicy(pipeline: VideoPipeline, options: NetworkPolicyOptions) {
  const name = pipeline.metadata.name;
  const store = options.storage?.objectStore?.connection;
  const submitters = (options.ingestFrom ?? [pipeline.metadata.namespace ?? 'default']).map(fromNamespace);
  return policy(
    childMetadata(pipeline, `${name}-ingest`.slice(0, 63).replace(/-+$/, '')),
    { ...pipelineLabels(name), [LABELS.role]: 'ingest' },
    [{ from: submitters, ports: [tcp('http')] }, opsFrom(options)],
    egress(options, true, objectStoreEgress(store ? [store] : [])),
  );
}

/**
 * Every vpo backend pod of a namespace: scrapes only; out to DNS, Kafka, the object stores of the
 * pipelines with backends and the servers of the http(s):// models their sessions load.
 */
export function backendsNetworkPolicy(
  namespace: string,
  owners: VideoPipeline[],
  options: NetworkPolicyOptions,
  reach: { objectStores?: S3ConnectionSpec[]; modelUris?: string[] } = {},
) {
  const models = (reach.modelUris ?? []).flatMap((u): Record<string, unknown>[] => {
    const rule = urlEgress(u);
    return rule ? [rule] : [];
  });
  const selector = { [LABELS.managedBy]: MANAGED_BY, [LABELS.role]: 'backend' };
  return policy(
    sharedMetadata(namespace, BACKENDS_SERVICE, owners, selector),
    selector,
    [opsFrom(options)],
    egress(options, false, [...objectStoreEgress(reach.objectStores ?? []), ...models]),
  );
}
