// What the operator needs from the API server, in its own terms (paths are REST paths; see
// paths.ts). Implemented by client.ts against a real API server.
import type { ObjectMeta } from '../../contract/crd-types.generated.ts';

/** Any object as the API server returns it; vpo's own kinds narrow it (operator/api/objects.ts). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  [field: string]: unknown;
}

export interface ListResult {
  metadata: { resourceVersion: string };
  items: KubeObject[];
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; message?: string };
}

export interface WatchHandle {
  /** Resolves when the server closes the stream; rejects on a transport error. */
  done: Promise<void>;
  stop(): void;
}

export interface KubeApi {
  /** undefined when the object does not exist (404). */
  get(path: string): Promise<KubeObject | undefined>;
  list(path: string): Promise<ListResult>;
  create(path: string, body: unknown): Promise<KubeObject>;
  /** Server-side apply (force: the operator owns the fields it sets). */
  apply(path: string, body: unknown, fieldManager: string): Promise<KubeObject>;
  mergePatch(path: string, body: unknown): Promise<KubeObject>;
  replace(path: string, body: unknown): Promise<KubeObject>;
  /** false when it was already gone. */
  delete(path: string): Promise<boolean>;
  watch(path: string, resourceVersion: string, onEvent: (e: WatchEvent) => void): WatchHandle;
}
