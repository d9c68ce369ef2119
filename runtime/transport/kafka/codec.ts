// Stage messages and dead letters as Kafka records: key = videoId (so every message of a video
// lands on the same partition of every topic with the same partition count), value = JSON. A
// record that is not JSON, not an object, or has no videoId cannot be routed by video, so it is
// not handed to a stage: it goes straight to the dead letters (InvalidMessage).
//
// The source topic carries what users produce (docs/API.md): `{"videoId": "...", "uri": "..."}`.
// Its decoder turns that into the first stage message (source = uri, ingestedAtMs = the record's
// timestamp, or the receipt time without one). The internal shape `{videoId, source,
// ingestedAtMs, outputs}` is still accepted there, for producers written before the contract.
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

/** Characters of an undecodable record kept in its dead letter. */
const maxOriginalChars = 16 * 1024;

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
  const text = value?.toString('utf8') ?? '';
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
      original,
    },
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return invalid('not JSON', text.slice(0, maxOriginalChars));
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
  // The rest of the shape is the executor's to check (it dead-letters with the field at fault).
  return { ok: true, message: parsed as StageMessage };
}

/** The stage name a consumer group stands for: groups are `vpo.<namespace>.<pipeline>.<stage>`. */
export function stageOfGroup(group: string): string {
  return group.slice(group.lastIndexOf('.') + 1) || group;
}
