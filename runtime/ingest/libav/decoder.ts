// One libavcodec decoder for the video stream, with the bounds that must hold before it allocates:
// `max_pixels` makes the codec refuse a frame larger than the pipeline allows even when the
// bitstream contradicts the container, and every decoded frame counts against the video's
// decoded-bytes budget. `gpu` asks for NVDEC through a CUDA device; where there is none the
// decode fails with DecoderUnavailable instead of silently running on the CPU.
import { AV_HWDEVICE_TYPE_CUDA, AV_PIX_FMT_CUDA, AVERROR_EAGAIN, AVERROR_EOF } from 'node-av/constants';
import type { Packet, Stream } from 'node-av/lib';
import {
  avImageGetBufferSize,
  Codec,
  CodecContext,
  FFmpegError,
  Frame,
  HardwareDeviceContext,
} from 'node-av/lib';
import type { DecoderKind } from '../decode.ts';
import { IngestError } from '../errors.ts';

export interface DecoderOptions {
  threads: number;
  decoder: DecoderKind;
  maxPixelsPerFrame: number;
  maxDecodedBytes: number;
  /** Decode only keyframes (the codec skips the others; callers also send only keyframes). */
  keyframesOnly: boolean;
  /** Skip the in-loop deblocking filter (sampling.ts skipsLoopFilter says when that is safe). */
  skipLoopFilter?: boolean;
}

function cudaDevice(): HardwareDeviceContext {
  const device = new HardwareDeviceContext();
  const code = device.create(AV_HWDEVICE_TYPE_CUDA, null, null);
  if (code < 0) {
    device.free();
    throw new IngestError(
      'DecoderUnavailable',
      `source.decoder is gpu, but no NVDEC device can be opened here (CUDA: ${FFmpegError.strerror(code)}); use source.decoder: cpu or run the ingest on a node with an NVIDIA GPU and driver`,
    );
  }
  return device;
}

/**
 * The limit given to the codec itself. Codecs check the coded picture, padded to their block size
 * (a 1080-line H.264 picture is coded as 1088 lines; HEVC and AV1 pad to 8-64 px), so the picture
 * the pipeline's bound admits needs some room; the container's own size is checked exactly before.
 */
export function codecPixelLimit(maxPixelsPerFrame: number): number {
  return Math.ceil(maxPixelsPerFrame * 1.125) + 65_536;
}

export class VideoDecoder {
  /** Frames the codec produced. */
  frames = 0;
  /** Bytes of decoded pictures so far (what the budget bounds). */
  decodedBytes = 0;
  private readonly context: CodecContext;
  private readonly device: HardwareDeviceContext | undefined;
  private readonly bytesByShape = new Map<string, number>();
  private skippingNonReference = false;
  private readonly stream: Stream;
  private readonly options: DecoderOptions;

  constructor(stream: Stream, options: DecoderOptions) {
    this.stream = stream;
    this.options = options;
    const codec = Codec.findDecoder(stream.codecpar.codecId);
    if (!codec) throw new IngestError('DecodeFailed', `no decoder for codec id ${stream.codecpar.codecId}`);
    this.device = options.decoder === 'gpu' ? cudaDevice() : undefined;
    this.context = new CodecContext();
    this.context.allocContext3(codec);
    try {
      FFmpegError.throwIfError(this.context.parametersToContext(stream.codecpar), 'codec parameters');
      this.context.pktTimebase = stream.timeBase;
      this.context.threadCount = options.threads;
      this.setOption('max_pixels', codecPixelLimit(options.maxPixelsPerFrame));
      if (options.keyframesOnly) this.setOption('skip_frame', 'nokey');
      if (options.skipLoopFilter) this.setOption('skip_loop_filter', 'all');
      if (this.device) {
        this.context.hwDeviceCtx = this.device;
        this.context.setHardwarePixelFormat(AV_PIX_FMT_CUDA);
      }
      const code = this.context.open2Sync(codec, null);
      if (code < 0) {
        throw new IngestError(
          'DecodeFailed',
          `cannot open the ${codec.name} decoder: ${FFmpegError.strerror(code)}`,
        );
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  private setOption(name: string, value: string | number): void {
    const code = this.context.setOption(name, value);
    if (code < 0) throw new Error(`decoder option ${name}=${value}: ${FFmpegError.strerror(code)}`);
  }

  get timeBase() {
    return this.stream.timeBase;
  }

  /** Sends a packet (null = end of stream). Damaged packets are skipped, as ffmpeg does. */
  send(packet: Packet | null): void {
    const code = this.context.sendPacketSync(packet);
    if (code < 0 && code !== AVERROR_EAGAIN && code !== AVERROR_EOF && packet === null) {
      throw new IngestError('DecodeFailed', `decoder flush failed: ${FFmpegError.strerror(code)}`);
    }
  }

  /** The next decoded frame in system memory (the caller frees it), or undefined when none is ready. */
  receive(): Frame | undefined {
    const frame = new Frame();
    frame.alloc();
    const code = this.context.receiveFrameSync(frame);
    if (code < 0) {
      frame.free();
      return undefined;
    }
    this.frames++;
    let picture = frame;
    if (frame.isHwFrame()) {
      picture = new Frame();
      picture.alloc();
      const copied = frame.hwframeTransferDataSync(picture, 0);
      picture.pts = frame.pts;
      picture.bestEffortTimestamp = frame.bestEffortTimestamp;
      frame.free();
      if (copied < 0) {
        picture.free();
        throw new IngestError('DecodeFailed', `GPU frame download failed: ${FFmpegError.strerror(copied)}`);
      }
    }
    this.count(picture);
    return picture;
  }

  /**
   * Lets the codec drop the next frames if no other frame references them (skip_frame noref):
   * frames no slot can pick are then not decoded at all. Codecs that cannot tell (or ignore the
   * option, like dav1d) decode them anyway.
   */
  skipNonReference(skip: boolean): void {
    if (skip === this.skippingNonReference || this.options.keyframesOnly) return;
    this.skippingNonReference = skip;
    this.setOption('skip_frame', skip ? 'noref' : 'default');
  }

  /** Ends the stream, then makes the decoder accept new packets (after a seek, or per keyframe). */
  reset(): void {
    this.context.flushBuffers();
  }

  close(): void {
    this.context.freeContext();
    this.device?.free();
  }

  private count(frame: Frame): void {
    const key = `${frame.format}:${frame.width}x${frame.height}`;
    let bytes = this.bytesByShape.get(key);
    if (bytes === undefined) {
      bytes = Math.max(0, avImageGetBufferSize(frame.format as never, frame.width, frame.height, 1));
      this.bytesByShape.set(key, bytes);
    }
    this.decodedBytes += bytes;
    if (this.decodedBytes > this.options.maxDecodedBytes) {
      const message = `decoding needs more than maxDecodedBytes ${this.options.maxDecodedBytes} (${this.frames} frames of ${frame.width}×${frame.height} so far)`;
      frame.free();
      throw new IngestError('DecodeBudgetExceeded', message);
    }
  }
}
