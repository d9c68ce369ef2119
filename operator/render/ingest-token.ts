// The ingest API's bearer token (pure): where a pipeline's token lives and how its ingest pods get
// it. With source.http enabled and auth `token` (the default), callers of POST /v1/videos present
// the token from source.http.tokenSecretRef, or from the Secret the operator generates for the
// pipeline (<pipeline>-ingest-token, key `token`; operator/reconcile/ingest-token.ts). The pods
// read it from VPO_INGEST_TOKEN (the runtime file's source.httpTokenEnv), never from the file.
import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
import { childName } from './names.ts';

export const INGEST_TOKEN_ENV = 'VPO_INGEST_TOKEN';
export const GENERATED_TOKEN_KEY = 'token';

export interface IngestToken {
  secret: string;
  key: string;
  /** Whether the operator makes the Secret (no tokenSecretRef). */
  generated: boolean;
}

/** The pipeline's token Secret, or undefined when its ingest API is off or open. */
export function ingestTokenOf(pipeline: VideoPipeline): IngestToken | undefined {
  const http = pipeline.spec.source?.http;
  if (!http?.enabled || http.auth === 'none') return undefined;
  const ref = http.tokenSecretRef;
  return ref
    ? { secret: ref.name, key: ref.key ?? GENERATED_TOKEN_KEY, generated: false }
    : {
        secret: childName(pipeline.metadata.name, 'ingest-token'),
        key: GENERATED_TOKEN_KEY,
        generated: true,
      };
}

/** The ingest container's environment variable carrying the token. */
export function ingestTokenEnv(token: IngestToken | undefined): Record<string, unknown>[] {
  return token
    ? [{ name: INGEST_TOKEN_ENV, valueFrom: { secretKeyRef: { name: token.secret, key: token.key } } }]
    : [];
}
