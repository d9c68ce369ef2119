// How well a video-text run read the generated clips: a drawn word counts as read when the
// video's lines contain it exactly (case-insensitive), each read word matching one drawn word
// at most. Pure; used by the sample's tests.
import type { ExpectedText } from './gen-text-videos.ts';

export interface ClipAccuracy {
  file: string;
  words: number;
  exact: number;
  /** Lines read on a clip that has no text. */
  extraLines: number;
}

const wordsOf = (lines: readonly string[]) =>
  lines.flatMap((l) => l.toLowerCase().split(/\s+/)).filter((w) => w !== '');

export function clipAccuracy(expected: ExpectedText, read: readonly string[]): ClipAccuracy {
  const pool = wordsOf(read);
  let exact = 0;
  for (const word of wordsOf(expected.lines)) {
    const at = pool.indexOf(word);
    if (at < 0) continue;
    pool.splice(at, 1);
    exact++;
  }
  return {
    file: expected.file,
    words: wordsOf(expected.lines).length,
    exact,
    extraLines: expected.lines.length === 0 ? read.length : 0,
  };
}

/** Words read exactly over words drawn, across clips. */
export function wordAccuracy(clips: readonly ClipAccuracy[]): number {
  const words = clips.reduce((n, c) => n + c.words, 0);
  return words === 0 ? 1 : clips.reduce((n, c) => n + c.exact, 0) / words;
}
