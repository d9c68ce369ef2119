// Validates what arrives on a topic: with Kafka it is whatever someone published, so a message
// that is not a StageMessage becomes a dead letter (InvalidMessage), never an exception.
import type { StageMessage } from '../transport/transport.ts';

export function invalidMessage(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const m = value as Record<string, unknown>;
  if (typeof m.videoId !== 'string' || m.videoId === '') return 'videoId must be a non-empty string';
  if (typeof m.source !== 'string') return 'source must be a string';
  if (typeof m.ingestedAtMs !== 'number' || !Number.isFinite(m.ingestedAtMs))
    return 'ingestedAtMs must be a number';
  if (typeof m.outputs !== 'object' || m.outputs === null || Array.isArray(m.outputs)) {
    return 'outputs must be an object';
  }
  if (m.frameRef !== undefined && typeof m.frameRef !== 'string') return 'frameRef must be a string';
  return invalidItem(m);
}

const count = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** The fan-out fields (transport.ts): an item index below its count, a region of whole pixels. */
function invalidItem(m: Record<string, unknown>): string | undefined {
  if (m.itemCount === undefined) {
    if (m.item !== undefined || m.region !== undefined) return 'item and region need itemCount';
    return undefined;
  }
  if (!count(m.itemCount)) return 'itemCount must be a whole number ≥ 0';
  if (m.itemCount === 0) {
    if (m.item !== undefined) return 'a message with itemCount 0 carries no item';
  } else if (!count(m.item) || m.item >= m.itemCount) {
    return `item must be a whole number below itemCount ${m.itemCount}`;
  }
  if (m.region === undefined) return undefined;
  const r = m.region as Record<string, unknown>;
  if (typeof r !== 'object' || r === null || !['frame', 'x', 'y'].every((k) => count(r[k])))
    return 'region must have whole-number frame, x, y, width and height';
  if (!['width', 'height'].every((k) => count(r[k]) && (r[k] as number) > 0))
    return 'region width and height must be whole numbers ≥ 1';
  return undefined;
}

export function isStageMessage(value: unknown): value is StageMessage {
  return invalidMessage(value) === undefined;
}
