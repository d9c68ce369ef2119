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
  return undefined;
}

export function isStageMessage(value: unknown): value is StageMessage {
  return invalidMessage(value) === undefined;
}
