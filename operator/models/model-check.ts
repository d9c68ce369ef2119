// The operator's check that a ModelSession's model can be fetched and opened, before the session is
// Ready: for the URIs it can reach (s3:// through its own object-store access, http(s)://), the
// model is streamed once, its bytes counted, its sha256 compared with spec.model.sha256 and its
// structure checked as an ONNX ModelProto (onnx-structure.ts), in constant memory; nothing is
// stored. file:// and pvc:// models live in the pods' volumes, which the operator does not mount:
// those are opened by the backend pods (a pod that cannot load its model is never ready, and the
// pipeline says BackendsUnavailable). Why the operator rather than the first pod reporting back:
// a verdict exists before any GPU is spent or any pod scheduled, `kubectl get ms` says why in the
// same place as the profile, and pods get no write access to the API.
// Results are remembered per (uri, sha256): a success until the spec changes, a failure for
// `retryAfterMs` (the session reconcile re-queues and checks again after that).
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { SessionReadyReason } from '../../contract/condition-reasons.ts';
import { type ObjectStore, ObjectStoreError, parseS3Uri } from '../../objectstore/s3-client.ts';
import { FetchError, httpGet } from './fetch-http.ts';
import { createOnnxCheck } from './onnx-structure.ts';

export type ModelCheckFailure = Extract<
  SessionReadyReason,
  'ModelUnreachable' | 'ChecksumMismatch' | 'NotAnOnnxModel'
>;

export type ModelCheck =
  | { ok: true; message: string }
  | { ok: false; reason: ModelCheckFailure; message: string };

export interface ModelRef {
  uri: string;
  sha256?: string;
}

export interface ModelChecker {
  /** The verdict for a model the operator can reach; undefined for file:// and pvc:// (pods open those). */
  check(model: ModelRef): Promise<ModelCheck | undefined>;
}

export interface ModelCheckerDeps {
  /** The operator's own access to the object store; absent = s3:// models are unreachable. */
  objectStore?: ObjectStore;
  maxBytes: number;
  timeoutMs: number;
  retryAfterMs: number;
  nowMs: () => number;
}

class CheckFailure extends Error {
  readonly reason: ModelCheckFailure;
  constructor(reason: ModelCheckFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

async function openStream(model: ModelRef, deps: ModelCheckerDeps, signal: AbortSignal): Promise<Readable> {
  if (model.uri.startsWith('s3://')) {
    if (!deps.objectStore)
      throw new CheckFailure(
        'ModelUnreachable',
        'the operator has no object store to fetch s3:// models from (--s3-region, --s3-endpoint)',
      );
    const { bucket, key } = parseS3Uri(model.uri);
    try {
      const body = await deps.objectStore.get(bucket, key, signal);
      if (body.sizeBytes !== undefined && body.sizeBytes > deps.maxBytes) {
        body.stream.destroy();
        throw new CheckFailure(
          'ModelUnreachable',
          `${body.sizeBytes} bytes, above the ${deps.maxBytes}-byte limit`,
        );
      }
      return body.stream;
    } catch (err) {
      if (err instanceof ObjectStoreError) {
        const why =
          err.code === 'NotFound'
            ? 'no such object or bucket'
            : err.code === 'AccessDenied'
              ? "access denied to the operator's credentials"
              : err.message;
        throw new CheckFailure('ModelUnreachable', why);
      }
      throw err;
    }
  }
  try {
    return await httpGet(model.uri, { timeoutMs: deps.timeoutMs, signal });
  } catch (err) {
    const why =
      err instanceof FetchError
        ? err.message
        : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
    throw new CheckFailure('ModelUnreachable', why);
  }
}

async function checkOnce(model: ModelRef, deps: ModelCheckerDeps): Promise<ModelCheck> {
  const signal = AbortSignal.timeout(deps.timeoutMs);
  try {
    const stream = await openStream(model, deps, signal);
    const hash = createHash('sha256');
    const onnx = createOnnxCheck();
    let bytes = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > deps.maxBytes)
          throw new CheckFailure('ModelUnreachable', `more than the ${deps.maxBytes}-byte limit`);
        hash.update(chunk);
        try {
          onnx.push(chunk);
        } catch (err) {
          throw new CheckFailure('NotAnOnnxModel', (err as Error).message);
        }
      }
    } finally {
      stream.destroy();
    }
    const actual = hash.digest('hex');
    if (model.sha256 && actual !== model.sha256.toLowerCase())
      throw new CheckFailure('ChecksumMismatch', `sha256 ${actual}, spec.model.sha256 is ${model.sha256}`);
    let shape: ReturnType<typeof onnx.end>;
    try {
      shape = onnx.end();
    } catch (err) {
      throw new CheckFailure('NotAnOnnxModel', (err as Error).message);
    }
    return {
      ok: true,
      message: `${model.uri}: ${bytes} bytes, sha256 ${actual}${model.sha256 ? ' (matches)' : ''}, ONNX IR ${shape.irVersion}, ${shape.inputs} input(s), ${shape.outputs} output(s)`,
    };
  } catch (err) {
    if (err instanceof CheckFailure)
      return { ok: false, reason: err.reason, message: `${model.uri}: ${err.message}` };
    const why = signal.aborted ? `no whole model within ${deps.timeoutMs} ms` : (err as Error).message;
    return { ok: false, reason: 'ModelUnreachable', message: `${model.uri}: ${why}` };
  }
}

export function createModelChecker(deps: ModelCheckerDeps): ModelChecker {
  const verdicts = new Map<string, { check: ModelCheck; atMs: number }>();
  const inFlight = new Map<string, Promise<ModelCheck>>();
  return {
    async check(model) {
      const scheme = /^([a-z0-9]+):\/\//i.exec(model.uri)?.[1]?.toLowerCase();
      if (scheme !== 's3' && scheme !== 'http' && scheme !== 'https') return undefined;
      const key = `${model.uri}#${model.sha256 ?? ''}`;
      const known = verdicts.get(key);
      if (known && (known.check.ok || deps.nowMs() - known.atMs < deps.retryAfterMs)) return known.check;
      let running = inFlight.get(key);
      if (!running) {
        running = checkOnce(model, deps).finally(() => inFlight.delete(key));
        inFlight.set(key, running);
      }
      const check = await running;
      verdicts.set(key, { check, atMs: deps.nowMs() });
      return check;
    },
  };
}
