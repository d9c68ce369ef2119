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
import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
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
  'kafkaBootstrap' | 'monitoringNamespace' | 'ingestFrom'
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

function egress(options: NetworkPolicyOptions, publicWeb: boolean) {
  return [
    { ports: [{ protocol: 'UDP', port: 53 }, tcp(53)] },
    { ports: kafkaPorts(options.kafkaBootstrap).map(tcp) },
    ...(publicWeb
      ? [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: notPublic } }], ports: [tcp(443), tcp(80)] }]
      : []),
  ];
}

function policy(
  metadata: DesiredChild['metadata'],
  selector: Record<string, string>,
  ingress: unknown[],
  egressRules: unknown[],
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

/** A pipeline's ingest pods: submissions on the API port, scrapes on the ops port; out to the web. */
export function ingestNetworkPolicy(pipeline: VideoPipeline, options: NetworkPolicyOptions) {
  const name = pipeline.metadata.name;
  const submitters = (options.ingestFrom ?? [pipeline.metadata.namespace ?? 'default']).map(fromNamespace);
  return policy(
    childMetadata(pipeline, `${name}-ingest`.slice(0, 63).replace(/-+$/, '')),
    { ...pipelineLabels(name), [LABELS.role]: 'ingest' },
    [{ from: submitters, ports: [tcp('http')] }, opsFrom(options)],
    egress(options, true),
  );
}

/** Every vpo backend pod of a namespace: scrapes only; out to DNS and Kafka. */
export function backendsNetworkPolicy(
  namespace: string,
  owners: VideoPipeline[],
  options: NetworkPolicyOptions,
) {
  const selector = { [LABELS.managedBy]: MANAGED_BY, [LABELS.role]: 'backend' };
  return policy(
    sharedMetadata(namespace, BACKENDS_SERVICE, owners, selector),
    selector,
    [opsFrom(options)],
    egress(options, false),
  );
}
