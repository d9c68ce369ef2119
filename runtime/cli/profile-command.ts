// `vpo profile MODEL.onnx [--provider cpu|cuda|webgpu] [--batches 1,2,4,8] [--input-shape 3,224,224]
// [--repeats N] [--threads N] [--sha256 HEX] [--gpu-product NAME] [--result-file PATH]
// [--model-root DIR]`: measures one batch's latency per batch size on an otherwise idle device and
// prints a ModelSession `profiles` entry as YAML (stats go to stderr). MODEL may be a file:// URI. The operator's profiling Job pins the product it ran on
// (--gpu-product: the node's nvidia.com/gpu.product label) and reads the entry, as compact JSON,
// from --result-file (the container's termination message); on failure that file holds the error.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as yaml from 'js-yaml';
import { modelPath } from '../config/model-path.ts';
import { type ExecutionProvider, type InferenceModel, loadModel } from '../inference/onnx-model.ts';

export interface ProfilePoint {
  batchSize: number;
  /** Conservative latency: mean + standard deviation, microseconds. */
  latencyMicros: number;
  memoryMiB: number;
  meanMicros: number;
  stdMicros: number;
  p99Micros: number;
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const WARMUP_RUNS = 2;
const MiB = 2 ** 20;

/** The product name as GPU feature discovery labels it (nvidia.com/gpu.product); "cpu" for CPU. */
export function deviceProduct(provider: ExecutionProvider): string {
  if (provider === 'cpu') return 'cpu';
  try {
    const name = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], {
      encoding: 'utf8',
    });
    return name.split('\n')[0]!.trim().replace(/\s+/g, '-');
  } catch {
    return `unknown-${provider}-device`;
  }
}

/** The input dims for batch size b: the model's fixed dims, or --input-shape for the rest. */
export function inputDims(model: InferenceModel, batchSize: number, shape?: number[]): number[] {
  const input = model.inputs[0]!;
  const rest = input.shape.slice(1);
  if (shape) {
    if (shape.length !== rest.length) {
      throw new Error(
        `--input-shape has ${shape.length} dims, input '${input.name}' has ${rest.length} after the batch dim`,
      );
    }
    return [batchSize, ...shape];
  }
  const symbolic = rest.filter((d) => typeof d !== 'number');
  if (symbolic.length > 0) {
    throw new Error(
      `input '${input.name}' [${input.shape.join(', ')}] has dynamic dims (${symbolic.join(', ')}): give --input-shape without the batch dim`,
    );
  }
  return [batchSize, ...(rest as number[])];
}

function stats(samplesMicros: number[]): { mean: number; std: number; p99: number } {
  const n = samplesMicros.length;
  const mean = samplesMicros.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(samplesMicros.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const sorted = [...samplesMicros].sort((a, b) => a - b);
  const p99 = sorted[Math.min(n - 1, Math.ceil(0.99 * n) - 1)]!;
  return { mean, std, p99 };
}

export async function profileModel(
  model: InferenceModel,
  options: { batches: number[]; repeats: number; shape?: number[]; rssBaselineBytes: number },
): Promise<ProfilePoint[]> {
  const points: ProfilePoint[] = [];
  const name = model.inputs[0]!.name;
  for (const batchSize of options.batches) {
    const dims = inputDims(model, batchSize, options.shape);
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 1000) / 1000;
    for (let i = 0; i < WARMUP_RUNS; i++) await model.run({ [name]: { data, dims } });
    const samples: number[] = [];
    for (let i = 0; i < options.repeats; i++) {
      const start = performance.now();
      await model.run({ [name]: { data, dims } });
      samples.push((performance.now() - start) * 1000);
    }
    const { mean, std, p99 } = stats(samples);
    const memoryMiB = Math.max(0, Math.ceil((process.memoryUsage().rss - options.rssBaselineBytes) / MiB));
    points.push({
      batchSize,
      latencyMicros: Math.round(mean + std),
      memoryMiB,
      meanMicros: Math.round(mean),
      stdMicros: Math.round(std),
      p99Micros: Math.round(p99),
    });
  }
  return points;
}

const csv = (s: string) => s.split(',').map((x) => Number(x.trim()));
const usage =
  'usage: vpo profile MODEL.onnx [--provider cpu|cuda|webgpu] [--batches 1,2,4] [--input-shape 3,224,224] [--repeats N] [--threads N] [--sha256 HEX] [--gpu-product NAME] [--result-file PATH] [--model-root DIR]\n';

/** MODEL as a path or a file:// URI; --model-root prefixes absolute paths (as in `vpo runtime`). */
function modelFile(model: string, modelRoot: string | undefined): string {
  const file = model.startsWith('file://') ? modelPath(model) : model;
  return modelRoot && path.isAbsolute(file) ? path.join(path.resolve(modelRoot), file) : file;
}

/** Writes the result file when asked; a failure to write it is reported, never thrown. */
function writeResult(path: string | undefined, text: string, io: Io): void {
  if (!path) return;
  try {
    writeFileSync(path, text);
  } catch (err) {
    io.err(`vpo profile: cannot write --result-file ${path}: ${(err as Error).message}\n`);
  }
}

export async function profileCommand(
  argv: string[],
  io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        provider: { type: 'string', default: 'cpu' },
        batches: { type: 'string', default: '1,2,4,8' },
        'input-shape': { type: 'string' },
        repeats: { type: 'string', default: '10' },
        threads: { type: 'string' },
        sha256: { type: 'string' },
        'gpu-product': { type: 'string' },
        'result-file': { type: 'string' },
        'model-root': { type: 'string' },
      },
    });
  try {
    parsed = parse();
  } catch (err) {
    io.err(`vpo profile: ${(err as Error).message}\n${usage}`);
    return 1;
  }
  const { values, positionals } = parsed;
  const provider = values.provider as ExecutionProvider;
  const batches = csv(values.batches);
  const repeats = Number(values.repeats);
  const shape = values['input-shape'] ? csv(values['input-shape']) : undefined;
  const bad = (xs: number[]) => xs.some((x) => !Number.isInteger(x) || x < 1);
  if (
    positionals.length !== 1 ||
    !['cpu', 'cuda', 'webgpu'].includes(provider) ||
    bad(batches) ||
    bad([repeats]) ||
    (shape && bad(shape)) ||
    (values.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(values.sha256)) ||
    values['gpu-product'] === ''
  ) {
    io.err(usage);
    return 1;
  }
  const rssBaselineBytes = process.memoryUsage().rss;
  let model: InferenceModel | undefined;
  try {
    model = await loadModel({
      path: modelFile(positionals[0]!, values['model-root']),
      provider,
      ...(values.sha256 ? { sha256: values.sha256 } : {}),
      ...(values.threads ? { intraOpThreads: Number(values.threads) } : {}),
    });
    const points = await profileModel(model, {
      batches,
      repeats,
      rssBaselineBytes,
      ...(shape ? { shape } : {}),
    });
    for (const p of points) {
      io.err(
        `batch ${p.batchSize}: mean ${p.meanMicros}µs std ${p.stdMicros}µs p99 ${p.p99Micros}µs rss +${p.memoryMiB}MiB\n`,
      );
    }
    const detected = deviceProduct(provider);
    const entry = {
      gpuProduct: values['gpu-product'] ?? detected,
      points: points.map(({ batchSize, latencyMicros, memoryMiB }) => ({
        batchSize,
        latencyMicros,
        memoryMiB,
      })),
    };
    io.out(yaml.dump({ profiles: [entry] }, { flowLevel: 3 }));
    writeResult(values['result-file'], JSON.stringify({ ...entry, detectedProduct: detected }), io);
    return 0;
  } catch (err) {
    io.err(`vpo profile: ${(err as Error).message}\n`);
    writeResult(values['result-file'], `vpo profile: ${(err as Error).message}`, io);
    return 1;
  } finally {
    await model?.close();
  }
}
