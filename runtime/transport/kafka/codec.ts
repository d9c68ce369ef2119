// Stage messages and dead letters as Kafka records: key = videoId (so every message of a video
// lands on the same partition of every topic with the same partition count), value = JSON. A
// record that is not JSON, not an object, or has no videoId cannot be routed by video, so it is
// not handed to a stage: it goes straight to the dead letters (InvalidMessage).
import type { DeadLetter, StageMessage } from '../transport.ts';

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

export type Decoded = { ok: true; message: StageMessage } | { ok: false; letter: DeadLetter };

export function decodeMessage(value: Buffer | null, topic: string, stage: string): Decoded {
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
  // The rest of the shape is the executor's to check (it dead-letters with the field at fault).
  return { ok: true, message: parsed as StageMessage };
}

/** The stage name a consumer group stands for: groups are `vpo.<namespace>.<pipeline>.<stage>`. */
export function stageOfGroup(group: string): string {
  return group.slice(group.lastIndexOf('.') + 1) || group;
}
