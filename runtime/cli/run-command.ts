// `vpo run -f MANIFESTS --videos DIR_OR_FILES… [-o table|json] [--model-root DIR] [--provider cpu]
// [--pipeline NAME]`: runs a whole pipeline in this process (DESIGN.md "Embedded mode") on local
// video files, prints one row per video and a summary. A video that fails is a `dead` row with
// its reason; the run goes on. Exit 0 when the run completed, 1 on bad arguments or set-up.
import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadManifests } from '../../operator/api/manifests.ts';
import type { ModelSession } from '../../operator/api/types.generated.ts';
import { modelPath } from '../config/model-path.ts';
import type { ExecutionProvider } from '../config/runtime-config.ts';
import { planLocally } from '../embedded/local-plan.ts';
import { startEmbeddedPipeline } from '../embedded/pipeline.ts';
import {
  formatRow,
  formatSummary,
  meanBatchSizes,
  type OutputFormat,
  summarize,
  tableHeader,
} from '../embedded/report.ts';
import { RunResults } from '../embedded/run-results.ts';
import { systemClock } from '../executor/ports.ts';
import { createRuntimeMetrics } from '../http/metrics.ts';
import { loadModel } from '../inference/onnx-model.ts';
import { deviceProduct, profileModel } from './profile-command.ts';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const usage =
  'usage: vpo run -f MANIFESTS [-f …] --videos DIR_OR_FILE [--videos …] [-o table|json] [--model-root DIR] [--provider cpu|cuda|webgpu] [--pipeline NAME]\n';
const prepareHint = 'run `npm run prepare-samples` to generate the sample models and videos';
const videoExtensions = new Set(['.mp4', '.webm', '.mkv', '.mov', '.avi', '.m4v']);

class UsageError extends Error {}

/** Video files named on the command line: files as given, directories' video files, sorted. */
function videoFiles(entries: string[]): string[] {
  const files: string[] = [];
  for (const entry of entries) {
    if (!existsSync(entry))
      throw new UsageError(`--videos ${entry}: no such file or directory (${prepareHint})`);
    if (!statSync(entry).isDirectory()) {
      files.push(entry);
      continue;
    }
    const found = readdirSync(entry)
      .filter((f) => videoExtensions.has(path.extname(f).toLowerCase()))
      .sort()
      .map((f) => path.join(entry, f));
    if (found.length === 0) throw new UsageError(`--videos ${entry}: no video files (${prepareHint})`);
    files.push(...found);
  }
  return files;
}

function videoIdOf(file: string, taken: Set<string>): string {
  const base =
    path
      .basename(file, path.extname(file))
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .slice(0, 100) || 'video';
  let id = base;
  for (let i = 2; taken.has(id); i++) id = `${base}-${i}`;
  taken.add(id);
  return id;
}

/** A session with no profile for this device is measured at a few batch sizes. */
async function measure(session: ModelSession, modelRoot: string, provider: ExecutionProvider) {
  const model = await loadModel({ path: modelPath(session.spec.model.uri, modelRoot), provider });
  try {
    const i = session.spec.input;
    const f = i.frames ?? 1;
    const [h, w] = [i.height ?? 224, i.width ?? 224];
    const shape =
      i.source === 'stages'
        ? undefined
        : i.layout === 'NCFHW'
          ? [3, f, h, w]
          : i.layout === 'NCHW'
            ? [3, h, w]
            : [f, 3, h, w];
    const batches = [...new Set([1, Math.min(8, session.spec.batching.maxBatchSize)])];
    const points = await profileModel(model, {
      batches,
      repeats: 5,
      ...(shape ? { shape } : {}),
      rssBaselineBytes: 0,
    });
    return points.map((p) => ({ batchSize: p.batchSize, latencyMicros: p.latencyMicros }));
  } finally {
    await model.close();
  }
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: 'string', short: 'f', multiple: true },
      videos: { type: 'string', multiple: true },
      output: { type: 'string', short: 'o', default: 'table' },
      'model-root': { type: 'string' },
      provider: { type: 'string', default: 'cpu' },
      pipeline: { type: 'string' },
      // Submits this many videos, cycling through the files under new videoIds (benchmarks).
      count: { type: 'string' },
    },
    strict: true,
  });
  const output = values.output as OutputFormat;
  if (output !== 'table' && output !== 'json')
    throw new UsageError(`-o must be table or json, got ${values.output}`);
  const provider = values.provider as ExecutionProvider;
  if (!['cpu', 'cuda', 'webgpu'].includes(provider))
    throw new UsageError(`--provider must be cpu, cuda or webgpu`);
  const count = values.count === undefined ? undefined : Number(values.count);
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
    throw new UsageError('--count must be a positive integer');
  }
  if (!values.file?.length) throw new UsageError('-f MANIFESTS is required');
  if (!values.videos?.length) throw new UsageError('--videos DIR_OR_FILE is required');
  const first = values.file[0]!;
  const manifestDir = existsSync(first) && statSync(first).isDirectory() ? first : path.dirname(first);
  const modelRoot = values['model-root'] ?? manifestDir;
  return {
    files: values.file,
    videos: values.videos,
    output,
    provider,
    count,
    modelRoot,
    pipeline: values.pipeline,
  };
}

export async function runCommand(
  argv: string[],
  io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
): Promise<number> {
  let args: ReturnType<typeof parse>;
  let files: string[];
  try {
    args = parse(argv);
    files = videoFiles(args.videos);
  } catch (error) {
    io.err(`vpo run: ${(error as Error).message}\n${usage}`);
    return 1;
  }
  let manifests: ReturnType<typeof loadManifests>;
  try {
    manifests = loadManifests(args.files);
  } catch (error) {
    io.err(`vpo run: ${(error as Error).message}\n`);
    return 1;
  }
  const pipeline = args.pipeline
    ? manifests.pipelines.find((p) => p.metadata.name === args.pipeline)
    : manifests.pipelines[0];
  if (!pipeline) {
    io.err(
      `vpo run: no VideoPipeline${args.pipeline ? ` named ${args.pipeline}` : ''} in ${args.files.join(', ')}\n`,
    );
    return 1;
  }
  const sessions = manifests.sessions.filter((s) =>
    pipeline.spec.stages.some((st) => st.sessionRef.name === s.metadata.name),
  );
  const missing = sessions
    .map((s) => modelPath(s.spec.model.uri, args.modelRoot))
    .filter((p) => !existsSync(p));
  if (missing.length > 0) {
    io.err(`vpo run: model file(s) missing: ${missing.join(', ')}\n${prepareHint}\n`);
    return 1;
  }
  const devices = Math.max(1, os.availableParallelism());
  const product = deviceProduct(args.provider);
  const local = await planLocally({
    pipeline,
    sessions,
    provider: args.provider,
    product,
    devices,
    measure: (s) => measure(s, args.modelRoot, args.provider),
  });
  const clock = systemClock;
  const metrics = createRuntimeMetrics();
  const logger = {
    info: () => {},
    warn: (m: string) => io.err(`warn: ${m}\n`),
    error: (m: string) => io.err(`error: ${m}\n`),
  };
  const results = new RunResults((row) => io.out(formatRow(row, args.output)), clock.nowMs);
  const startMs = clock.nowMs();
  const embedded = await startEmbeddedPipeline({
    config: local.config,
    modelRoot: args.modelRoot,
    devices,
    clock,
    logger,
    metrics,
    onResults: results.onResults,
    onDeadLetters: results.onDeadLetters,
  });
  try {
    if (args.output === 'table') io.out(tableHeader);
    const taken = new Set<string>();
    for (let i = 0; i < (args.count ?? files.length); i++) {
      const file = files[i % files.length]!;
      const videoId = videoIdOf(file, taken);
      results.submitted(videoId, file);
      await embedded.submit({ videoId, uri: pathToFileURL(path.resolve(file)).href });
    }
    await results.drained();
  } finally {
    await embedded.close();
  }
  const elapsedMs = clock.nowMs() - startMs;
  const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  const batches = await meanBatchSizes(metrics);
  const summary = summarize(
    results,
    elapsedMs,
    local.plan,
    local.plannedVps,
    local.config.latency.sloMs,
    batches,
    peakRssMiB,
    local.notes,
  );
  io.out(formatSummary(summary, args.output));
  return 0;
}
