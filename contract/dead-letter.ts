// What a dead letter keeps of the record that failed: the original itself when it is small, else
// its size, a SHA-256 and a bounded excerpt. A dead letter must always fit the dead-letter topic:
// one that embedded a 1 MB record would be refused by the broker, and the partition it came from
// would stop behind it.
import { createHash } from 'node:crypto';

/** Characters of an original kept whole in a dead letter; larger ones become an excerpt. */
export const MAX_ORIGINAL_CHARS = 4096;

export interface OriginalExcerpt {
  /** Bytes of the original (UTF-8 JSON, or the record's text when it was not JSON). */
  bytes: number;
  sha256: string;
  /** Its first MAX_ORIGINAL_CHARS characters. */
  excerpt: string;
  truncated: true;
}

/** `original` as it goes into a dead letter: unchanged when small, else an excerpt with size and hash. */
export function boundedOriginal(original: unknown): unknown {
  if (original === undefined || isExcerpt(original)) return original;
  const text = typeof original === 'string' ? original : safeJson(original);
  if (text.length <= MAX_ORIGINAL_CHARS) return original;
  return {
    bytes: Buffer.byteLength(text, 'utf8'),
    sha256: createHash('sha256').update(text).digest('hex'),
    excerpt: text.slice(0, MAX_ORIGINAL_CHARS),
    truncated: true,
  } satisfies OriginalExcerpt;
}

/** The excerpt of raw record bytes too large to parse: their size and hash, and the start as text. */
export function excerptOfBytes(bytes: Uint8Array): OriginalExcerpt {
  return {
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    excerpt: Buffer.from(bytes.subarray(0, MAX_ORIGINAL_CHARS)).toString('utf8'),
    truncated: true,
  };
}

function isExcerpt(value: unknown): value is OriginalExcerpt {
  const v = value as Partial<OriginalExcerpt> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.truncated === true &&
    typeof v.sha256 === 'string' &&
    typeof v.excerpt === 'string' &&
    v.excerpt.length <= MAX_ORIGINAL_CHARS
  );
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
