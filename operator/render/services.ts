// Services of a pipeline: one for metrics over all its pods, and the ingest HTTP endpoint
// (POST /v1/videos) when spec.source.http.enabled. Pure.
import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
import { ingestName, LABELS, metricsServiceName, pipelineLabels } from './names.ts';
import { childMetadata } from './owner.ts';
import { HTTP_PORT } from './pod.ts';

function service(pipeline: VideoPipeline, name: string, selector: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMetadata(pipeline, name),
    spec: {
      selector: { ...pipelineLabels(pipeline.metadata.name), ...selector },
      ports: [{ name: 'http', port: HTTP_PORT, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

export function services(pipeline: VideoPipeline) {
  const metrics = service(pipeline, metricsServiceName(pipeline.metadata.name), {});
  if (!pipeline.spec.source?.http?.enabled) return [metrics];
  return [metrics, service(pipeline, ingestName(pipeline.metadata.name), { [LABELS.role]: 'ingest' })];
}
