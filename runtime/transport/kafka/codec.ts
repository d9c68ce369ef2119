// Stage messages and dead letters as Kafka records: key = videoId (so every message of a video
// lands on the same partition of every topic with the same partition count), value = JSON. A
// record that is not JSON, not an object, or has no videoId cannot be routed by video, so it is
// not handed to a stage: it goes straight to the dead letters (InvalidMessage).
//
// The source topic carries what users produce (docs/API.md): `{"videoId": "...", "uri": "..."}`.
// Its decoder turns that into the first stage message (source = uri, ingestedAtMs = the record's
// timestamp, or the receipt time without one). The internal shape `{videoId, source,
// ingestedAtMs, outputs}` is still accepted there, for producers written before the contract.
import { boundedOriginal, excerptOfBytes } from '../../../contract/dead-letter.ts';
import type { DeadLetter, StageMessage } from '../transport.ts';

/** The stage (consumer-group suffix) that consumes the source topic. */
export const SOURCE_STAGE = 'ingest';

/** What a producer puts on the source topic (docs/API.md). */
export interface SourceVideo {
  videoId: string;
  uri: string;
}

export interface EncodedRecord {
  key: string;
  value: string;
}

/**
 * Largest source-topic record, bytes: what users produce there is `{videoId, uri}`, so anything
 * larger is refused at once, before it is parsed or ingested.
 */
export const MAX_SOURCE_RECORD_BYTES = 64 * 1024;

/** The fields a stage message may carry onward (docs/kafka.md); anything else a producer added is dropped. */
const stageMessageFields = [
  'videoId',
  'source',
  'ingestedAtMs',
  'frameRef',
  'meta',
  'outputs',
  'itemCount',
  'item',
  'region',
] as const;

export function stageMessageOf(m: StageMessage): StageMessage {
  const kept: Record<string, unknown> = {};
  for (const field of stageMessageFields) if (field in m) kept[field] = m[field];
  // The executor checks the shape of what is kept (and dead-letters with the field at fault).
  return kept as unknown as StageMessage;
}

export function encodeMessage(message: StageMessage): EncodedRecord {
  return { key: message.videoId, value: JSON.stringify(message) };
}

export function encodeDeadLetter(letter: DeadLetter): EncodedRecord {
  return { key: letter.videoId || 'invalid', value: JSON.stringify(letter) };
}

export function encodeSourceVideo(video: SourceVideo): EncodedRecord {
  return { key: video.videoId, value: JSON.stringify({ videoId: video.videoId, uri: video.uri }) };
}

export type Decoded = { ok: true; message: StageMessage } | { ok: false; letter: DeadLetter };

/**
 * Decodes one record of `topic` for `stage`. `receivedAtMs` is the record's timestamp (or the
 * receipt time): the ingest time of a video that arrives in the source-topic form.
 */
export function decodeMessage(
  value: Buffer | null,
  topic: string,
  stage: string,
  receivedAtMs: number = Date.now(),
): Decoded {
  const invalid = (why: string, original: unknown): Decoded => ({
    ok: false,
    letter: {
      videoId:
        typeof original === 'object' &&
        original !== null &&
        typeof (original as { videoId?: unknown }).videoId === 'string'
          ? (original as { videoId: string }).videoId
          : '',
      source: '',
      stage,
      reason: 'InvalidMessage',
      attempts: 1,
      error: `invalid message on ${topic}: ${why}`,
      original: boundedOriginal(original),
    },
  });
  const bytes = value?.length ?? 0;
  if (stage === SOURCE_STAGE && bytes > MAX_SOURCE_RECORD_BYTES) {
    // Not parsed: a record this size on the source topic is not a video submission.
    return invalid(`record of ${bytes} bytes > ${MAX_SOURCE_RECORD_BYTES}`, excerptOfBytes(value!));
  }
  const text = value?.toString('utf8') ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return invalid('not JSON', text);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return invalid('not a JSON object', parsed);
  }
  const videoId = (parsed as { videoId?: unknown }).videoId;
  if (typeof videoId !== 'string' || videoId === '') return invalid('no videoId', parsed);
  if (stage === SOURCE_STAGE) {
    const { uri, source } = parsed as { uri?: unknown; source?: unknown };
    if (uri !== undefined || typeof source !== 'string') {
      if (uri === undefined) return invalid('no uri', parsed);
      if (typeof uri !== 'string' || uri === '') return invalid('uri must be a non-empty string', parsed);
      return { ok: true, message: { videoId, source: uri, ingestedAtMs: receivedAtMs, outputs: {} } };
    }
  }
  // The rest of the shape is the executor's to check (it dead-letters with the field at fault);
  // only the contract's fields travel on.
  return { ok: true, message: stageMessageOf(parsed as StageMessage) };
}

/** The stage name a consumer group stands for: groups are `vpo.<namespace>.<pipeline>.<stage>`. */
export function stageOfGroup(group: string): string {
  return group.slice(group.lastIndexOf('.') + 1) || group;
}

/**
 * A fetched chunk of `topic` for `stage`, decoded: its stage messages with their offsets, and a
 * dead letter for each record that is not one. A record's timestamp stands for its receipt time
 * (`nowMs` where it has none).
 */
export function decodeRecords(
  records: readonly { value: Buffer | null; offset: string; timestamp: string }[],
  topic: string,
  stage: string,
  nowMs: () => number,
): { chunk: { message: StageMessage; offset: number }[]; letters: DeadLetter[] } {
  const chunk: { message: StageMessage; offset: number }[] = [];
  const letters: DeadLetter[] = [];
  for (const record of records) {
    const stamp = Number(record.timestamp);
    const decoded = decodeMessage(
      record.value,
      topic,
      stage,
      Number.isFinite(stamp) && stamp > 0 ? stamp : nowMs(),
    );
    if (decoded.ok) chunk.push({ message: decoded.message, offset: Number(record.offset) });
    else letters.push(decoded.letter);
  }
  return { chunk, letters };
}
