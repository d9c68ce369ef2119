// The ingest API token Secret the operator generates for a pipeline without tokenSecretRef
// (operator/render/ingest-token.ts says where it lives): created once with 32 random bytes,
// owned by the pipeline (deleted with it), never overwritten: a create that finds the Secret
// already there leaves it (and any token a person rotated into it) as it is.
import { randomBytes } from 'node:crypto';
import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
import { isConflict } from '../kube/errors.ts';
import { collectionPath, SECRETS } from '../kube/paths.ts';
import type { KubeApi } from '../kube/types.ts';
import { ingestTokenOf } from '../render/ingest-token.ts';
import { childMetadata } from '../render/owner.ts';

/** Creates the pipeline's generated token Secret if it needs one; true when it was created now. */
export async function ensureIngestToken(api: KubeApi, pipeline: VideoPipeline): Promise<boolean> {
  const token = ingestTokenOf(pipeline);
  if (!token?.generated) return false;
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: childMetadata(pipeline, token.secret),
    type: 'Opaque',
    stringData: { [token.key]: randomBytes(32).toString('base64url') },
  };
  try {
    await api.create(collectionPath(SECRETS, pipeline.metadata.namespace ?? 'default'), secret);
    return true;
  } catch (err) {
    if (isConflict(err)) return false;
    throw err;
  }
}
