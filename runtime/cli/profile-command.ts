// `vpo profile MODEL.onnx [--provider cpu|cuda|webgpu] [--batches 1,2,4,8] [--input-shape 3,224,224]
// [--repeats N] [--threads N] [--sha256 HEX] [--gpu-product NAME] [--result-file PATH]
// [--model-root DIR] [--device-id N]`: measures one batch's latency per batch size on an otherwise
// idle device and prints a ModelSession `profiles` entry as YAML (stats go to stderr), after a
// comment saying what memoryMiB is: host memory for cpu, device memory (NVML) for cuda
// (inference/memory-meter.ts); gpuProduct as GPU feature discovery labels the measured GPU. MODEL may be a file:// URI. The operator's profiling Job pins the product it ran on
// (--gpu-product: the node's nvidia.com/gpu.product label) and reads the entry, as compact JSON,
// from --result-file (the container's termination message); on failure that file holds the error.
// `vpo profile --ingest …` measures videos instead (ingest-profile-command.ts).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as yaml from 'js-yaml';
import { isExecutionProvider } from '../../contract/execution-providers.ts';
import { requireProviders } from '../doctor/doctor.ts';
import { hostMemoryMeter, type MemoryMeter, memoryMeterFor } from '../inference/memory-meter.ts';
import { modelPath } from '../inference/model-path.ts';
import { type ExecutionProvider, type InferenceModel, loadModel } from '../inference/onnx-model.ts';
import { deviceProduct, profileModel } from '../inference/profile.ts';
import { ingestProfileCommand, ingestUsage } from './ingest-profile-command.ts';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const csv = (s: string) => s.split(',').map((x) => Number(x.trim()));
const usage = `usage: vpo profile MODEL.onnx [--provider cpu|cuda|webgpu] [--batches 1,2,4] [--input-shape 3,224,224] [--repeats N] [--threads N] [--sha256 HEX] [--gpu-product NAME] [--result-file PATH] [--model-root DIR] [--device-id N]\n   or: ${ingestUsage.slice('usage: '.length)}`;

/** MODEL as a path or a file:// URI; --model-root prefixes absolute paths (as in `vpo runtime`). */
function modelFile(model: string, modelRoot: string | undefined): string {
  const file = model.startsWith('file://') ? modelPath(model) : model;
  return modelRoot && path.isAbsolute(file) ? path.join(path.resolve(modelRoot), file) : file;
}

/** Host memory for cpu; device memory for cuda (and webgpu, where an NVIDIA GPU can be read). */
function meterFor(provider: ExecutionProvider, deviceId: number, io: Io): MemoryMeter {
  if (provider !== 'webgpu') return memoryMeterFor(provider, deviceId);
  try {
    return memoryMeterFor(provider, deviceId);
  } catch (err) {
    io.err(
      `vpo profile: webgpu memory is host memory here: no NVIDIA GPU to read (${(err as Error).message})\n`,
    );
    return hostMemoryMeter();
  }
}

function memoryNote(m: MemoryMeter): string {
  if (m.kind === 'host') return 'host memory: the process RSS growth while the model ran (a CPU profile)';
  const where = m.device ? ` of ${m.device.name} (GPU ${m.device.index})` : '';
  const how =
    m.source() === 'nvml-process'
      ? "this process's entry in nvidia-smi --query-compute-apps"
      : "the device's used memory minus what was in use before the model loaded";
  return `device memory${where}: ${how} (NVML); the CUDA arena grows by powers of two and is not bounded, so this is what the process holds after each batch size`;
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
  if (argv.includes('--ingest')) return ingestProfileCommand(argv, io);
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
        'device-id': { type: 'string', default: '0' },
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
  const deviceId = Number(values['device-id']);
  const bad = (xs: number[]) => xs.some((x) => !Number.isInteger(x) || x < 1);
  if (
    positionals.length !== 1 ||
    !isExecutionProvider(provider) ||
    bad(batches) ||
    bad([repeats]) ||
    (shape && bad(shape)) ||
    (values.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(values.sha256)) ||
    values['gpu-product'] === '' ||
    !Number.isInteger(deviceId) ||
    deviceId < 0
  ) {
    io.err(usage);
    return 1;
  }
  let model: InferenceModel | undefined;
  try {
    if (provider !== 'cpu')
      await requireProviders(new Map([[provider, `vpo profile --provider ${provider}`]]), { deviceId });
    // Before the model loads: the meter's baseline is the memory in use without it.
    const memory = meterFor(provider, deviceId, io);
    model = await loadModel({
      path: modelFile(positionals[0]!, values['model-root']),
      provider,
      ...(provider === 'cuda' ? { deviceId } : {}),
      ...(values.sha256 ? { sha256: values.sha256 } : {}),
      ...(values.threads ? { intraOpThreads: Number(values.threads) } : {}),
    });
    const points = await profileModel(model, {
      batches: [...batches].sort((a, b) => a - b),
      repeats,
      memory,
      ...(shape ? { shape } : {}),
    });
    for (const p of points) {
      io.err(
        `batch ${p.batchSize}: mean ${p.meanMicros}µs std ${p.stdMicros}µs p99 ${p.p99Micros}µs ${memory.kind} memory ${p.memoryMiB}MiB (${memory.source()})\n`,
      );
    }
    const detected = deviceProduct(provider, memory);
    io.out(`# memoryMiB: ${memoryNote(memory)}\n`);
    const entry = {
      gpuProduct: values['gpu-product'] ?? detected,
      points: points.map(({ batchSize, latencyMicros, memoryMiB }) => ({
        batchSize,
        latencyMicros,
        memoryMiB,
      })),
    };
    io.out(yaml.dump({ profiles: [entry] }, { flowLevel: 3 }));
    writeResult(
      values['result-file'],
      JSON.stringify({
        ...entry,
        detectedProduct: detected,
        memory: { kind: memory.kind, source: memory.source() },
      }),
      io,
    );
    return 0;
  } catch (err) {
    io.err(`vpo profile: ${(err as Error).message}\n`);
    writeResult(values['result-file'], `vpo profile: ${(err as Error).message}`, io);
    return 1;
  } finally {
    await model?.close();
  }
}
