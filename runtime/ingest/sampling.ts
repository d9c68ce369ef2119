// Pure sampling arithmetic: where to take frames, and which decoded frame fills each slot.

/** `frames` timestamps spread uniformly over the clip: the centre of each of `frames` equal parts. */
export function sampleTimesSeconds(startSeconds: number, durationSeconds: number, frames: number): number[] {
  const step = durationSeconds / frames;
  return Array.from({ length: frames }, (_, i) => startSeconds + (i + 0.5) * step);
}

/**
 * An ffmpeg `select` expression that passes, for every target time, the first frame at or after
 * it. Targets falling between the same two frames select that frame once (clips with fewer frames
 * than asked); `assignFrames` then repeats it.
 */
export function selectExpression(timesSeconds: readonly number[]): string {
  const terms = timesSeconds.map((t) => {
    const at = t.toFixed(6);
    return `gte(t\\,${at})*(isnan(prev_t)+lt(prev_t\\,${at}))`;
  });
  return `gt(${terms.join('+')}\\,0)`;
}

export interface Assignment {
  /** For each target slot, the index of the decoded frame that fills it. */
  frameIndex: number[];
  /** Slots filled by a frame already used by an earlier slot. */
  repeatedFrames: number;
}

/**
 * Deterministic fill: slot i takes the first decoded frame at or after its time (what `select`
 * produced for it); a slot past the last frame (truncated clip, overstated duration) takes the
 * last frame.
 */
export function assignFrames(
  targetsSeconds: readonly number[],
  frameTimesSeconds: readonly number[],
): Assignment {
  if (frameTimesSeconds.length === 0) throw new RangeError('no decoded frames to assign');
  const last = frameTimesSeconds.length - 1;
  const epsilon = 1e-6;
  let j = 0;
  const frameIndex = targetsSeconds.map((target) => {
    while (j < last && (frameTimesSeconds[j] ?? 0) < target - epsilon) j++;
    return j;
  });
  return { frameIndex, repeatedFrames: frameIndex.length - new Set(frameIndex).size };
}

/** Fill for seek sampling: slots whose seek produced no frame (past the end) repeat the last one. */
export function assignInOrder(frames: number, decoded: number): Assignment {
  if (decoded === 0) throw new RangeError('no decoded frames to assign');
  const frameIndex = Array.from({ length: frames }, (_, i) => Math.min(i, decoded - 1));
  return { frameIndex, repeatedFrames: frames - Math.min(frames, decoded) };
}

/** Copies decoded frames into slot order. */
export function arrangeFrames(
  decoded: Uint8Array,
  frameBytes: number,
  frameIndex: readonly number[],
): Uint8Array {
  const out = new Uint8Array(frameIndex.length * frameBytes);
  frameIndex.forEach((index, slot) => {
    out.set(decoded.subarray(index * frameBytes, (index + 1) * frameBytes), slot * frameBytes);
  });
  return out;
}
