// Services of a pipeline: one for metrics over all its pods (port `ops`), and the ingest API
// (POST /v1/videos, port `http`) when spec.source.http.enabled. Pure.
import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
import { ingestName, LABELS, metricsServiceName, pipelineLabels } from './names.ts';
import { childMetadata } from './owner.ts';
import { HTTP_PORT, OPS_PORT } from './pod.ts';

function service(
  pipeline: VideoPipeline,
  name: string,
  selector: Record<string, string>,
  port: { name: string; port: number },
) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMetadata(pipeline, name),
    spec: {
      selector: { ...pipelineLabels(pipeline.metadata.name), ...selector },
      ports: [{ name: port.name, port: port.port, targetPort: port.name, protocol: 'TCP' }],
    },
  };
}

export function services(pipeline: VideoPipeline) {
  const metrics = service(
    pipeline,
    metricsServiceName(pipeline.metadata.name),
    {},
    { name: 'ops', port: OPS_PORT },
  );
  if (!pipeline.spec.source?.http?.enabled) return [metrics];
  const ingest = { [LABELS.role]: 'ingest' };
  return [
    metrics,
    service(pipeline, ingestName(pipeline.metadata.name), ingest, { name: 'http', port: HTTP_PORT }),
  ];
}
