// Decodes a CTC text recogniser's output ([T, C] per item: a probability row per time step over
// blank + the dictionary's characters (+ space)) into text by greedy (best-path) decoding: the
// most likely class per step, repeats collapsed, blanks dropped (Graves et al., "Connectionist
// Temporal Classification", ICML 2006; the layout is PaddleOCR's CTCLabelDecode: class 0 is the
// blank, classes 1..n the dictionary's lines, n+1 a space). Pure: no I/O.

export interface CtcText {
  text: string;
  /** Mean probability of the characters kept (0 when none). */
  score: number;
}

/** The classes of a PaddleOCR-style dictionary: blank, its characters in order, then a space. */
export function ctcClasses(dictionary: readonly string[], withSpace = true): string[] {
  return ['', ...dictionary, ...(withSpace ? [' '] : [])];
}

export function decodeCtc(probs: ArrayLike<number>, steps: number, classes: readonly string[]): CtcText {
  const n = classes.length;
  if (probs.length !== steps * n)
    throw new Error(`output has ${probs.length} values, expected ${steps} steps × ${n} classes`);
  let text = '';
  let sum = 0;
  let kept = 0;
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    let bestP = probs[t * n]!;
    for (let c = 1; c < n; c++) {
      const p = probs[t * n + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best !== previous) {
      text += classes[best]!;
      sum += bestP;
      kept++;
    }
    previous = best;
  }
  return { text, score: kept ? sum / kept : 0 };
}
