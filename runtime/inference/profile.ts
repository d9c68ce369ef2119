// Measures one model's latency per batch size on an otherwise idle device: what `vpo profile`
// prints and what `vpo run` measures at start-up for a session without a local profile.
import type { ExecutionProvider } from '../../contract/runtime-config.ts';
import { queryGpus } from '../gpu/nvidia-smi.ts';
import { gpuProductLabel } from '../gpu/product-label.ts';
import { type MemoryMeter, visibleDevice } from './memory-meter.ts';
import type { InferenceModel } from './onnx-model.ts';

export interface ProfilePoint {
  batchSize: number;
  /** Conservative latency: mean + standard deviation, microseconds. */
  latencyMicros: number;
  /** Host memory (cpu) or device memory (cuda, webgpu) in use after this batch size ran. */
  memoryMiB: number;
  meanMicros: number;
  stdMicros: number;
  p99Micros: number;
}

const WARMUP_RUNS = 2;

/**
 * The product as GPU feature discovery labels its node (nvidia.com/gpu.product), from the GPU the
 * meter measured; "cpu" for CPU profiles.
 */
export function deviceProduct(provider: ExecutionProvider, meter?: MemoryMeter): string {
  if (provider === 'cpu') return 'cpu';
  if (meter?.device) return gpuProductLabel(meter.device.name);
  try {
    const device = visibleDevice(queryGpus(), 0, process.env);
    if (device) return gpuProductLabel(device.name);
  } catch {
    // No nvidia-smi: the product stays unknown, and says so.
  }
  return `unknown-${provider}-device`;
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
  options: { batches: number[]; repeats: number; shape?: number[]; memory: MemoryMeter },
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
    const memoryMiB = options.memory.read();
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
