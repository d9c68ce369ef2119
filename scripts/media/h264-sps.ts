// Rewrites the picture size in an H.264 Annex-B stream's sequence parameter set (ITU-T H.264
// §7.3.2.1.1), keeping everything else: the hostile fixture of a tiny file that declares huge
// pictures. Handles the profiles x264 writes without scaling matrices; throws on anything else.

class BitReader {
  position = 0;
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  bit(): number {
    const byte = this.bytes[this.position >> 3];
    if (byte === undefined) throw new RangeError('SPS ends early');
    const value = (byte >> (7 - (this.position & 7))) & 1;
    this.position++;
    return value;
  }
  bits(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) value = value * 2 + this.bit();
    return value;
  }
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) zeros++;
    return 2 ** zeros - 1 + this.bits(zeros);
  }
}

class BitWriter {
  private readonly out: number[] = [];
  bit(value: number): void {
    this.out.push(value & 1);
  }
  ue(value: number): void {
    const code = (value + 1).toString(2);
    for (let i = 1; i < code.length; i++) this.bit(0);
    for (const c of code) this.bit(c === '1' ? 1 : 0);
  }
  bytes(): Uint8Array {
    const padded = [...this.out];
    while (padded.length % 8 !== 0) padded.push(0);
    const bytes = new Uint8Array(padded.length / 8);
    padded.forEach((b, i) => {
      bytes[i >> 3]! |= b << (7 - (i & 7));
    });
    return bytes;
  }
}

function removeEmulationPrevention(nal: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < nal.length; i++) {
    if (i >= 2 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    out.push(nal[i]!);
  }
  return Uint8Array.from(out);
}

function addEmulationPrevention(rbsp: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const b of rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}

const highProfiles = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** The SPS payload (after the NAL header byte) with a new size in macroblock units. */
export function rewriteSps(payload: Uint8Array, width: number, height: number): Uint8Array {
  const r = new BitReader(removeEmulationPrevention(payload));
  const w = new BitWriter();
  const copy = (from: number, to: number) => {
    const saved = r.position;
    r.position = from;
    while (r.position < to) w.bit(r.bit());
    r.position = saved;
  };
  const profile = r.bits(8);
  r.bits(16); // constraint flags, level
  r.ue(); // seq_parameter_set_id
  if (highProfiles.has(profile)) {
    if (r.ue() === 3) r.bit(); // chroma_format_idc, separate_colour_plane_flag
    r.ue();
    r.ue();
    r.bit();
    if (r.bit() === 1) throw new Error('SPS with scaling matrices is not supported');
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) throw new Error('SPS with pic_order_cnt_type 1 is not supported');
  r.ue(); // max_num_ref_frames
  r.bit(); // gaps_in_frame_num_value_allowed_flag
  copy(0, r.position);
  r.ue();
  r.ue();
  w.ue(Math.ceil(width / 16) - 1);
  w.ue(Math.ceil(height / 16) - 1);
  const frameMbsOnly = r.bit();
  w.bit(frameMbsOnly);
  if (!frameMbsOnly) w.bit(r.bit());
  w.bit(r.bit()); // direct_8x8_inference_flag
  if (r.bit() === 1) for (let i = 0; i < 4; i++) r.ue(); // cropping dropped: it was for the old size
  w.bit(0);
  // The rest (VUI) up to the stop bit, then a fresh stop bit.
  let last = r.bytes.length * 8 - 1;
  while (last > r.position && ((r.bytes[last >> 3]! >> (7 - (last & 7))) & 1) === 0) last--;
  copy(r.position, last);
  w.bit(1);
  return addEmulationPrevention(w.bytes());
}

/** Every SPS NAL unit of an Annex-B stream rewritten to declare `width`×`height` pictures. */
export function withPictureSize(stream: Uint8Array, width: number, height: number): Buffer {
  const starts: number[] = [];
  for (let i = 0; i + 3 <= stream.length; i++) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) starts.push(i + 3);
  }
  const parts: Uint8Array[] = [];
  starts.forEach((start, k) => {
    let end = k + 1 < starts.length ? starts[k + 1]! - 3 : stream.length;
    while (end > start && stream[end - 1] === 0) end--; // the next start code's leading zero
    const nal = stream.subarray(start, end);
    const type = (nal[0] ?? 0) & 0x1f;
    const body = type === 7 ? Uint8Array.of(nal[0]!, ...rewriteSps(nal.subarray(1), width, height)) : nal;
    parts.push(Uint8Array.of(0, 0, 0, 1), body);
  });
  return Buffer.concat(parts);
}
