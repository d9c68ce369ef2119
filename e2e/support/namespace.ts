// The e2e files' own namespaces: created up front, deleted at the end without waiting.
import type { Kubectl } from './kubectl.ts';

export async function createNamespaces(kubectl: Kubectl, ...names: string[]): Promise<void> {
  for (const ns of names) await kubectl(['create', 'namespace', ns]);
}

/** Deletes `names` (one kubectl call), not waiting for them to go; a failure is ignored. */
export async function deleteNamespaces(kubectl: Kubectl, ...names: string[]): Promise<void> {
  await kubectl(['delete', 'namespace', ...names, '--wait=false']).catch(() => '');
}
