// Probing without a second process: ffprobe costs ~75 ms per video, mostly process start-up,
// which is as much as the sampled decode itself (bench/decode-efficiency.bench.ts). MP4/MOV and
// Matroska/WebM, nearly all uploads, carry what ingest needs in their headers, read here in a few
// positioned reads. Anything else, and any header these parsers cannot fully vouch for (damaged,
// truncated, fragmented, live), goes to ffprobe, which keeps the hostile-input reasons in one
// place (probe.ts): the header path never decides that a file is bad, only that it is good.
import { open } from 'node:fs/promises';
import type { ByteSource } from './byte-source.ts';
import { fileSource } from './byte-source.ts';
import { probeMatroska } from './container-mkv.ts';
import { probeMp4 } from './container-mp4.ts';
import type { ProbeResult } from './probe.ts';
import { probeVideo } from './probe.ts';

/** Cached head: enough for a faststart `moov` of a short clip or Matroska's Info and Tracks. */
const headBytes = 64 * 1024;

function plausible(r: ProbeResult): boolean {
  return (
    Number.isFinite(r.durationSeconds) &&
    r.durationSeconds > 0 &&
    Number.isFinite(r.startSeconds) &&
    Number.isInteger(r.width) &&
    Number.isInteger(r.height) &&
    r.width > 0 &&
    r.height > 0
  );
}

/** The header's answer for MP4/MOV and Matroska/WebM, or undefined (never throws). */
export async function probeHeaderSource(source: ByteSource): Promise<ProbeResult | undefined> {
  try {
    const magic = await source.read(0, 8);
    if (magic.length < 8) return undefined;
    let result: ProbeResult | undefined;
    if (magic.toString('latin1', 4, 8) === 'ftyp') result = await probeMp4(source);
    else if (magic.readUInt32BE(0) === 0x1a45dfa3) result = await probeMatroska(source);
    return result && plausible(result) ? result : undefined;
  } catch {
    // A damaged header is ffprobe's to judge (DecodeFailed vs NotAVideo), not ours.
    return undefined;
  }
}

/** probeHeaderSource on a local file; undefined also when it cannot be opened. */
export async function probeContainerHeader(path: string): Promise<ProbeResult | undefined> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    return await probeHeaderSource(await fileSource(handle, headBytes));
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

export interface LocalProbe extends ProbeResult {
  probedBy: 'header' | 'ffprobe';
}

/** The container header when it suffices, else ffprobe (which throws the IngestError reasons). */
export async function probeLocalVideo(
  path: string,
  ffprobePath: string,
  timeoutMs: number,
): Promise<LocalProbe> {
  const header = await probeContainerHeader(path);
  if (header) return { ...header, probedBy: 'header' };
  return { ...(await probeVideo(ffprobePath, path, timeoutMs)), probedBy: 'ffprobe' };
}
