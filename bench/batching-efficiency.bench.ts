// Batching efficiency: a backend's sustained throughput under saturating load (uint8 frames in,
// preprocessing in a worker, deadline-aware batching) ÷ raw onnxruntime-node throughput of the
// same model at its best batch size, measured side by side in one run. Also: the speedup over
// sequential batch-1 inference. `npm run bench -- batching-efficiency [--model mobilenet|resnet18]
// [--seconds N] [--provider cpu|cuda|webgpu] [--batches 1,4,8,16]` (the GPU check runs it with
// --provider cuda and batches up to 64).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EXECUTION_PROVIDER_LIST, isExecutionProvider } from '../contract/execution-providers.ts';
import { createBackend } from '../runtime/backend/backend.ts';
import { systemClock } from '../runtime/clock.ts';
import { type InferenceModel, loadModel } from '../runtime/inference/onnx-model.ts';
import { createPreprocessPool } from '../runtime/preprocess/worker-pool.ts';
import { writeBenchModels } from '../scripts/gen-models.ts';
import type { BenchFigure } from './run.ts';

const SIZE = 224;

async function rawThroughput(model: InferenceModel, batch: number, seconds: number): Promise<number> {
  const dims = [batch, 3, SIZE, SIZE];
  const data = new Float32Array(batch * 3 * SIZE * SIZE).fill(0.5);
  const name = model.inputs[0]!.name;
  await model.run({ [name]: { data, dims } });
  let items = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await model.run({ [name]: { data, dims } });
    items += batch;
  }
  return items / ((performance.now() - start) / 1000);
}

async function backendThroughput(model: InferenceModel, batch: number, seconds: number): Promise<number> {
  const pool = createPreprocessPool({ threads: 1 });
  const clock = systemClock;
  const backend = createBackend(
    [
      {
        stage: 'bench',
        model,
        input: { source: 'frames', layout: 'NCHW', frames: 1, width: SIZE, height: SIZE },
        plannedBatch: batch,
        maxQueueDelayMs: 1000,
        queueCapacity: batch * 3,
      },
    ],
    { clock, preprocess: (frames, spec, target) => pool.run(frames, spec, target) },
  );
  const frame = Uint8Array.from({ length: SIZE * SIZE * 3 }, (_, i) => (i * 31) % 256);
  const loop = backend.start();
  let done = 0;
  let counting = false;
  let startMs = 0;
  const warmupMs = 1000;
  const beginMs = clock.nowMs();
  const inflight = new Set<Promise<unknown>>();
  while (clock.nowMs() - beginMs < warmupMs + seconds * 1000) {
    if (!counting && clock.nowMs() - beginMs >= warmupMs) {
      counting = true;
      done = 0;
      startMs = clock.nowMs();
    }
    await backend.whenAccepting('bench');
    const p = backend
      .submit('bench', {
        id: 'v',
        deadlineMs: clock.nowMs() + 60_000,
        frames: { data: frame.slice(), dims: [1, SIZE, SIZE, 3] },
      })
      .then(() => {
        done++;
      });
    inflight.add(p);
    p.finally(() => inflight.delete(p));
  }
  const elapsedS = (clock.nowMs() - startMs) / 1000;
  const counted = done;
  await Promise.allSettled([...inflight]);
  backend.stop();
  await loop;
  await pool.close();
  return counted / elapsedS;
}

export async function run(args: string[]): Promise<BenchFigure[]> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string', default: 'mobilenet' },
      seconds: { type: 'string', default: '8' },
      provider: { type: 'string', default: 'cpu' },
      batches: { type: 'string', default: '1,4,8,16' },
    },
  });
  const provider = values.provider;
  if (!isExecutionProvider(provider)) throw new Error(`--provider must be ${EXECUTION_PROVIDER_LIST}`);
  const batches = values.batches.split(',').map(Number);
  if (batches.some((b) => !Number.isInteger(b) || b < 1))
    throw new Error('--batches must be positive integers');
  const dir = new URL('./models/', import.meta.url).pathname;
  const path = join(dir, `${values.model}.onnx`);
  if (!existsSync(path)) writeBenchModels(dir);
  const seconds = Number(values.seconds);
  const model = await loadModel({ path, provider });
  const raw: Record<number, number> = {};
  if (!batches.includes(1)) batches.unshift(1);
  for (const b of batches) raw[b] = await rawThroughput(model, b, seconds / batches.length);
  const bestBatch = Number(Object.entries(raw).reduce((a, b) => (b[1] > a[1] ? b : a))[0]);
  // The machine is shared: alternate raw and served rounds so both see the same load.
  const rounds = 3;
  let rawSum = 0;
  let servedSum = 0;
  for (let r = 0; r < rounds; r++) {
    rawSum += await rawThroughput(model, bestBatch, seconds / rounds);
    servedSum += await backendThroughput(model, bestBatch, seconds / rounds);
  }
  const bestRaw = rawSum / rounds;
  const served = servedSum / rounds;
  await model.close();
  const efficiency = served / bestRaw;
  const speedup = served / raw[1]!;
  const summary = `batching-efficiency ${values.model} on ${provider}: backend ${served.toFixed(1)} items/s vs raw best ${bestRaw.toFixed(1)} items/s (batch ${bestBatch}) = ${efficiency.toFixed(3)} (target >= 0.9); speedup over sequential batch-1 ${raw[1]!.toFixed(1)} items/s = ${speedup.toFixed(2)}x`;
  process.stderr.write(`${summary}\n`);
  return [
    {
      name: 'batching-efficiency',
      value: Number(efficiency.toFixed(3)),
      unit: 'ratio',
      target: '>= 0.9',
      model: values.model,
      provider,
      backendItemsPerS: Number(served.toFixed(2)),
      rawBestItemsPerS: Number(bestRaw.toFixed(2)),
      bestBatch: Number(bestBatch),
      rawItemsPerSByBatch: Object.fromEntries(Object.entries(raw).map(([b, v]) => [b, Number(v.toFixed(2))])),
    },
    {
      name: 'batching-speedup-over-batch1',
      value: Number(speedup.toFixed(2)),
      unit: 'x',
      target: 'informational',
      batch1ItemsPerS: Number(raw[1]!.toFixed(2)),
    },
  ];
}
