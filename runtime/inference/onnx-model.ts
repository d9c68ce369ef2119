// The only importer of onnxruntime-node. A loaded model runs one float32 batch tensor and hands
// back plain arrays, so the rest of the runtime never sees onnxruntime types.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import type { ExecutionProvider } from '../../contract/execution-providers.ts';
import { ModelLoadError, StageError } from './errors.ts';
import { readModelFile } from './model-file.ts';
import { PROBE_INPUT, PROBE_OUTPUT, PROBE_WIDTH, probeModelBytes } from './probe-model.ts';
import { bindingDir, bindingVersion, providerLibrary } from './provider-install.ts';

export type { ExecutionProvider };

export interface TensorInfo {
  name: string;
  /** Numbers for fixed dimensions, strings for symbolic (dynamic) ones. */
  shape: (number | string)[];
  type: string;
}

export interface BatchTensor {
  data: Float32Array;
  dims: number[];
}

export interface LoadModelOptions {
  path: string;
  sha256?: string;
  provider?: ExecutionProvider;
  intraOpThreads?: number;
  /** The CUDA device among those this process sees (the pod's GPU is device 0). Default 0. */
  deviceId?: number;
}

export interface InferenceModel {
  readonly path: string;
  readonly provider: ExecutionProvider;
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  /** Runs one batch; returns each requested output (default: all) as a float tensor. */
  run(feeds: Record<string, BatchTensor>, outputNames?: string[]): Promise<Record<string, BatchTensor>>;
  close(): Promise<void>;
}

export interface BindingInfo {
  /** onnxruntime-node's version; its core library is the same onnxruntime version. */
  version: string;
  /** The folder of its native libraries, where non-bundled provider files are dropped in. */
  dir: string;
  /** The providers this build knows; bundled ones need no extra files. */
  backends: { name: string; bundled: boolean }[];
}

export function bindingInfo(): BindingInfo {
  return {
    version: bindingVersion(),
    dir: bindingDir(),
    backends: ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled })),
  };
}

/** Providers usable now: bundled ones, and others whose provider library is installed. */
export function availableProviders(): string[] {
  return ort
    .listSupportedBackends()
    .filter((b) => b.bundled || existsSync(join(bindingDir(), providerLibrary(b.name))))
    .map((b) => b.name);
}

function checkProvider(provider: ExecutionProvider): void {
  if (availableProviders().includes(provider)) return;
  const known = ort.listSupportedBackends().some((b) => b.name === provider);
  const hint = known
    ? `: its provider library ${providerLibrary(provider)} is not installed in ${bindingDir()}${provider === 'cuda' ? ' (npm run setup:cuda, or the vpo CUDA image; `vpo doctor` says what this machine can run)' : ''}`
    : '';
  throw new ModelLoadError(
    `execution provider '${provider}' is not available in this onnxruntime-node build${hint} (available: ${availableProviders().join(', ')})`,
  );
}

function info(meta: readonly ort.InferenceSession.ValueMetadata[]): TensorInfo[] {
  return meta.map((m) =>
    m.isTensor
      ? { name: m.name, shape: [...m.shape], type: m.type }
      : { name: m.name, shape: [], type: 'non-tensor' },
  );
}

/** Fixed dimensions of the model's input must equal the tensor's; a mismatch is bad input. */
function checkFeed(model: TensorInfo, tensor: BatchTensor): void {
  const dims = tensor.dims;
  const expectedSize = dims.reduce((a, b) => a * b, 1);
  const ok =
    model.shape.length === dims.length &&
    model.shape.every((d, i) => typeof d !== 'number' || d === dims[i]) &&
    expectedSize === tensor.data.length;
  if (!ok) {
    throw new StageError(
      'InputMismatch',
      `input '${model.name}' expects shape [${model.shape.join(', ')}], got [${dims.join(', ')}] (${tensor.data.length} values)`,
    );
  }
}

/**
 * The one provider a session runs on: no CPU provider is listed after it, so a CUDA session that
 * cannot start fails instead of running on the CPU. (ORT still places the few nodes a provider
 * has no kernel for on the CPU, as every ORT session does.) onnxruntime-node 1.30 passes only the
 * device id to the CUDA provider (js/node/src/session_options_helper.cc: CreateCUDAProviderOptions
 * with device_id); its other options keep ORT's defaults (docs/gpu.md).
 */
function executionProvider(provider: string, deviceId: number | undefined) {
  return provider === 'cuda' && deviceId !== undefined ? { name: 'cuda', deviceId } : provider;
}

export type ProbeResult = { ok: true } | { ok: false; message: string };

/** ORT's message without the source location and failed assertion it starts with, on one line. */
export function ortMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text
    .replace(/^\/onnxruntime_src\/\S+:\d+ [\s\S]*? was false\. /, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Whether `provider` runs here: a session of the probe model (y = x * x) created on it alone and
 * run once, the output checked. The message is ORT's when it cannot.
 */
export async function probeProvider(provider: string, deviceId?: number): Promise<ProbeResult> {
  let session: ort.InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(probeModelBytes(), {
      executionProviders: [executionProvider(provider, deviceId)],
    });
    const x = Float32Array.from({ length: 2 * PROBE_WIDTH }, (_, i) => i - 3);
    const out = await session.run({ [PROBE_INPUT]: new ort.Tensor('float32', x, [2, PROBE_WIDTH]) });
    const y = out[PROBE_OUTPUT]?.data as Float32Array | undefined;
    if (!y || y.length !== x.length || y.some((v, i) => v !== x[i]! * x[i]!))
      return { ok: false, message: `${provider}: the probe model computed a wrong result` };
    return { ok: true };
  } catch (err) {
    return { ok: false, message: ortMessage(err) };
  } finally {
    await session?.release().catch(() => {});
  }
}

export async function loadModel(options: LoadModelOptions): Promise<InferenceModel> {
  const provider = options.provider ?? 'cpu';
  checkProvider(provider);
  const bytes = await readModelFile(options.path, options.sha256);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: [executionProvider(provider, options.deviceId)],
      ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
      // Intra-op threads sleep between runs instead of spinning (onnxruntime's default). Spinning
      // burns a core after every batch: a small model's batch 1 cost 10.5 CPU-ms spinning, 5.6
      // without. It buys ~15% only where inference has the cores to itself (batching-efficiency
      // on a 2-core CPU) and costs more wherever they are shared: decoding and preprocessing in
      // one process (`vpo run` on the sample: 150 → 210 videos/s), ingest, backend and broker on
      // one machine (kafka-vs-embedded), or any pod's CPU quota.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  } catch (err) {
    throw new ModelLoadError(`cannot load model ${options.path} on ${provider}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const inputs = info(session.inputMetadata);
  const outputs = info(session.outputMetadata);
  return {
    path: options.path,
    provider,
    inputs,
    outputs,
    async run(feeds, outputNames) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, tensor] of Object.entries(feeds)) {
        const meta = inputs.find((i) => i.name === name);
        if (!meta)
          throw new StageError(
            'InputMismatch',
            `model has no input '${name}' (inputs: ${inputs.map((i) => i.name).join(', ')})`,
          );
        checkFeed(meta, tensor);
        ortFeeds[name] = new ort.Tensor('float32', tensor.data, tensor.dims);
      }
      let result: ort.InferenceSession.ReturnType;
      try {
        result = outputNames ? await session.run(ortFeeds, outputNames) : await session.run(ortFeeds);
      } catch (err) {
        throw new StageError(
          'InferenceFailed',
          `inference failed in ${options.path}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      const out: Record<string, BatchTensor> = {};
      for (const [name, value] of Object.entries(result)) {
        const data = value.data;
        if (!(data instanceof Float32Array)) {
          throw new StageError('InferenceFailed', `output '${name}' is ${value.type}, expected float32`);
        }
        out[name] = { data, dims: [...value.dims] };
      }
      return out;
    },
    async close() {
      await session.release();
    },
  };
}

/** Splits a [N, …] tensor into N rows (views, no copies). */
export function rowsOf(tensor: BatchTensor): Float32Array[] {
  const n = tensor.dims[0] ?? 0;
  const width = n === 0 ? 0 : tensor.data.length / n;
  return Array.from({ length: n }, (_, i) => tensor.data.subarray(i * width, (i + 1) * width));
}
