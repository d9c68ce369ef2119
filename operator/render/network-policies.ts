// NetworkPolicies of a pipeline's pods (pure): nothing reaches a runtime pod but what it serves,
// and it reaches nothing but what it needs.
// - ingest: its API port (`http`) from the namespaces allowed to submit videos (the pipeline's own
//   by default), its ops port from the monitoring namespace; egress to DNS, Kafka, and the video
//   sources on the public internet (private ranges and metadata addresses excluded, as in the
//   ingest's own address policy).
// - backends: the ops port from the monitoring namespace only; egress to DNS and Kafka.
// Kafka's brokers are reached by port (their addresses come from the bootstrap list and its
// metadata, which a policy cannot follow).
import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
import { LABELS, pipelineLabels } from './names.ts';
import type { RenderOptions } from './options.ts';
import { childMetadata } from './owner.ts';

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

export function networkPolicies(pipeline: VideoPipeline, options: NetworkPolicyOptions) {
  const name = pipeline.metadata.name;
  const namespace = pipeline.metadata.namespace ?? 'default';
  const monitoring = options.monitoringNamespace ?? 'monitoring';
  const ops = { from: [fromNamespace(monitoring)], ports: [tcp('ops')] };
  const policy = (suffix: string, role: string, ingress: unknown[], publicWeb: boolean) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: childMetadata(pipeline, `${name}-${suffix}`.slice(0, 63).replace(/-+$/, '')),
    spec: {
      podSelector: { matchLabels: { ...pipelineLabels(name), [LABELS.role]: role } },
      policyTypes: ['Ingress', 'Egress'],
      ingress,
      egress: egress(options, publicWeb),
    },
  });
  const submitters = (options.ingestFrom ?? [namespace]).map(fromNamespace);
  return [
    policy('ingest', 'ingest', [{ from: submitters, ports: [tcp('http')] }, ops], true),
    policy('backends', 'backend', [ops], false),
  ];
}
