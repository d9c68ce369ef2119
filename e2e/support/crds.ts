// The CRDs in crds/ applied with kubectl (retried while the API server warms up).
import { eventually } from './eventually.ts';
import type { Kubectl } from './kubectl.ts';

/** Applies crds/ server-side; with `established`, waits for those CRDs to be Established. */
export async function applyCrds(kubectl: Kubectl, what: string, established: string[] = []): Promise<void> {
  await eventually(what, () => kubectl(['apply', '--server-side', '--force-conflicts', '-f', 'crds/']));
  if (established.length > 0) await kubectl(['wait', '--for=condition=Established', ...established]);
}
