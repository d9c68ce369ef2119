// The only importer of onnxruntime-node. A loaded model runs one float32 batch tensor and hands
// back plain arrays, so the rest of the runtime never sees onnxruntime types.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import type { ExecutionProvider } from '../../contract/execution-providers.ts';
import { ModelLoadError, StageError } from './errors.ts';
import { readModelFile } from './model-file.ts';

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

/** Where onnxruntime-node keeps its native libraries; non-bundled provider .so files go here. */
function bindingDir(): string {
  const dist = dirname(fileURLToPath(import.meta.resolve('onnxruntime-node')));
  return join(dist, '..', 'bin', 'napi-v6', process.platform, process.arch);
}

const providerLibrary = (name: string) => `libonnxruntime_providers_${name}.so`;

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
    ? `: its provider library ${providerLibrary(provider)}${provider === 'cuda' ? ' (built for CUDA 12 + cuDNN 9)' : ''} is not installed in ${bindingDir()}`
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

export async function loadModel(options: LoadModelOptions): Promise<InferenceModel> {
  const provider = options.provider ?? 'cpu';
  checkProvider(provider);
  const bytes = await readModelFile(options.path, options.sha256);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: [provider],
      ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
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
