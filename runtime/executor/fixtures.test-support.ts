// Hand-written fakes for the executor's unit tests: a diamond pipeline config (scene and motion
// on frames, fusion joining both), a frame-hold counter, a scriptable ingestor and workers, and a
// clock the test moves by hand.
import type { RuntimeConfig, RuntimeStage } from '../../contract/runtime-config.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { DeadLetter, StageMessage } from '../transport/transport.ts';
import type { FrameHolds, IngestRequest, IngestResult, StageWorker, VideoIngestor } from './ports.ts';

function stage(
  name: string,
  inputs: string[],
  downstream: string[],
  source: 'frames' | 'stages',
): RuntimeStage {
  return {
    name,
    session: `${name}-session`,
    inputs,
    downstream,
    topic: `t.${name}`,
    fanOut: 1,
    ...(inputs.length > 1 ? { joinTimeoutMs: 1000 } : {}),
    latencyBudgetMs: 100,
    deadlineOffsetMs: source === 'frames' ? 1150 : 1300,
    batchSize: 4,
    replicas: 1,
    profile: [],
    model: { uri: `file:///models/${name}.onnx` },
    executionProvider: 'cpu',
    input: { source, layout: 'NFCHW', frames: 4, width: 8, height: 8 },
    output: {},
  };
}

export function diamondConfig(overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  return {
    version: 1,
    pipeline: { namespace: 'ns', name: 'p' },
    topics: { source: 't.source', output: 't.output', deadLetter: 't.dead' },
    source: {
      allowedUriSchemes: ['file'],
      maxVideoBytes: 1000,
      allowPrivateNetworks: false,
      connectTimeoutMs: 10,
      readTimeoutMs: 10,
      maxDurationSeconds: 10,
      downloadConcurrency: 2,
      httpEnabled: false,
      maxPixelsPerFrame: 3840 * 2160,
      maxDecodedBytesPerVideo: 2 ** 30,
      decoder: 'cpu',
    },
    sampling: { frames: 4, width: 8, height: 8, mode: 'uniform' },
    latency: { sloMs: 2000, ingestAllowanceMs: 1000, hopAllowanceMs: 50, latePolicy: 'process' },
    deadLetter: { maxRetries: 2, retryBackoffMs: 10 },
    frameStore: { ttlSeconds: 60 },
    stages: [
      stage('scene', ['source'], ['fusion'], 'frames'),
      stage('motion', ['source'], ['fusion'], 'frames'),
      stage('fusion', ['scene', 'motion'], [], 'stages'),
    ],
    backends: [],
    limits: { queueCapacity: 4, maxPendingJoins: 16 },
    ...overrides,
  };
}

/**
 * A detect → read → collect pipeline: `detect` emits items (a dbText decoder), `read` reads each
 * item's region from the frames, the gather `collect` merges the lines a video's items read.
 */
export function textConfig(): RuntimeConfig {
  const base = diamondConfig();
  const detect = stage('detect', ['source'], ['read'], 'frames');
  const read = stage('read', ['detect'], ['collect'], 'frames');
  return {
    ...base,
    stages: [
      {
        ...detect,
        output: {
          decoder: {
            kind: 'dbText',
            threshold: 0.3,
            boxThreshold: 0.6,
            unclipRatio: 1.5,
            minSizePx: 3,
            maxBoxes: 10,
          },
        },
      },
      { ...read, input: { ...read.input, frames: 1, resize: 'keepAspect' } },
    ],
    gathers: [{ name: 'collect', input: 'read', topic: 't.collect', timeoutMs: 1000, merge: 'textLines' }],
  };
}

export class FakeClock implements Clock {
  now = 1_000_000;
  readonly sleeps: number[] = [];
  nowMs(): number {
    return this.now;
  }
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
  };
}

export class CountingFrames implements FrameHolds {
  readonly holds = new Map<string, number>();
  async retain(ref: string, count: number): Promise<void> {
    this.holds.set(ref, (this.holds.get(ref) ?? 0) + count);
  }
  async release(ref: string): Promise<void> {
    this.holds.set(ref, (this.holds.get(ref) ?? 0) - 1);
  }
}

/** Ingests `file:///<name>`; a name in `failures` throws that error every time. */
export class FakeIngestor implements VideoIngestor {
  readonly calls: string[] = [];
  readonly failures = new Map<string, Error>();
  private readonly frames: CountingFrames;
  constructor(frames: CountingFrames) {
    this.frames = frames;
  }
  async ingest(request: IngestRequest): Promise<IngestResult> {
    this.calls.push(request.uri);
    const failure = this.failures.get(request.uri);
    if (failure) throw failure;
    const frameRef = `ref-${request.videoId}`;
    await this.frames.retain(frameRef, 1); // the writer's hold, like FrameStore.put
    return { frameRef, meta: { frames: 4 } };
  }
}

export class FakeWorker implements StageWorker {
  readonly seen: StageMessage[] = [];
  readonly deadlines: number[] = [];
  private readonly fn: (m: StageMessage) => unknown;
  constructor(fn: (m: StageMessage) => unknown) {
    this.fn = fn;
  }
  async process(message: StageMessage, deadlineMs: number): Promise<unknown> {
    this.seen.push(message);
    this.deadlines.push(deadlineMs);
    return this.fn(message);
  }
}

export function reasonError(reason: string, retriable = false): Error {
  return Object.assign(new Error(`failed: ${reason}`), { reason, retriable });
}

export const quietLogger: Logger = { info() {}, warn() {}, error() {} };

/** Collects results and dead letters until `count` videos are settled (first letter or a result). */
export class Settled {
  readonly results = new Map<string, StageMessage>();
  readonly letters: DeadLetter[] = [];
  private wake = () => {};
  private readonly settledIds = new Set<string>();

  onResults = async (messages: StageMessage[]) => {
    for (const m of messages) {
      this.results.set(m.videoId, m);
      this.settledIds.add(m.videoId);
    }
    this.wake();
  };

  onLetters = async (letters: DeadLetter[]) => {
    this.letters.push(...letters);
    for (const l of letters) this.settledIds.add(l.videoId);
    this.wake();
  };

  async waitFor(count: number): Promise<void> {
    while (this.settledIds.size < count) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}
