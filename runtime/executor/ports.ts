// What the executor needs from the rest of the runtime, as narrow interfaces: the embedded mode
// and the runtime roles adapt the real ingestor, frame store and backends to these, and unit tests
// use hand-written fakes.
import type { StageMessage } from '../transport/transport.ts';

export interface IngestRequest {
  videoId: string;
  uri: string;
}

export interface IngestResult {
  /** Held once for the caller (the writer's hold). */
  frameRef: string;
  meta: Record<string, unknown>;
}

/** Downloads, decodes and stores one video; throws an error with `reason` (and `retriable`). */
export interface VideoIngestor {
  ingest(request: IngestRequest): Promise<IngestResult>;
}

/** Reference counting on stored frames (the frame store's retain/release). */
export interface FrameHolds {
  retain(ref: string, count: number): Promise<void>;
  release(ref: string): Promise<void>;
}

/**
 * Runs one stage's model on one item; batching happens behind it (concurrent calls are batched
 * by the backend, which applies backpressure by resolving later). Throws an error with `reason`
 * (and `retriable`) for an item it cannot process.
 */
export interface StageWorker {
  process(message: StageMessage, deadlineMs: number): Promise<unknown>;
}
