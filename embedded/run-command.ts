// `vpo run -f MANIFESTS --videos DIR_OR_FILES… [-o table|json] [--model-root DIR] [--provider cpu]
// [--pipeline NAME] [--profile] [--rate VPS] [--port N]`: runs a whole pipeline in this process
// (DESIGN.md "Embedded mode") on local video files, prints one row per video and a summary with
// what the local plan predicted (ingest included). A video that fails is a `dead` row with its
// reason; the run goes on. Exit 0 when the run completed, 1 on bad arguments or set-up.

import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { EXECUTION_PROVIDER_LIST, isExecutionProvider } from '../contract/execution-providers.ts';
import type { ExecutionProvider, RuntimeConfig } from '../contract/runtime-config.ts';
import { loadManifests } from '../operator/api/manifests.ts';
import { systemClock } from '../runtime/clock.ts';
import { requireProviders } from '../runtime/doctor/doctor.ts';
import { modelPath } from '../runtime/inference/model-path.ts';
import { deviceProduct } from '../runtime/inference/profile.ts';
import { lineLogger } from '../runtime/logger.ts';
import { createRuntimeMetrics } from '../runtime/metrics.ts';
import { probeDecode } from './ingest-probe.ts';
import { planLocally } from './local-plan.ts';
import { measureSession } from './measure-session.ts';
import { startEmbeddedPipeline } from './pipeline.ts';
import { formatRow, formatSummary, type OutputFormat, summarize, tableHeader } from './report.ts';
import { RunResults } from './run-results.ts';
import { type EmbeddedServer, serveEmbedded } from './serve.ts';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const usage =
  'usage: vpo run -f MANIFESTS [-f …] --videos DIR_OR_FILE [--videos …] [-o table|json] [--model-root DIR] [--provider cpu|cuda|webgpu] [--pipeline NAME] [--profile] [--rate VPS] [--port N]\n';
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

/** Clips to measure decoding on: those nearest the median size first (a few, in case one fails). */
function probeCandidates(files: string[]): string[] {
  const sized = files.map((f) => ({ f, bytes: statSync(f).size })).sort((x, y) => x.bytes - y.bytes);
  const median = sized[Math.floor(sized.length / 2)]?.bytes ?? 0;
  return sized
    .sort((x, y) => Math.abs(x.bytes - median) - Math.abs(y.bytes - median))
    .slice(0, 3)
    .map((x) => x.f);
}

/**
 * `vpo run` reads exactly the video files it was given: file:// for those and nothing else,
 * whatever the pipeline's allowedUriSchemes say for a cluster.
 */
function readingLocalFiles(config: RuntimeConfig, files: string[]): RuntimeConfig {
  const schemes = config.source.allowedUriSchemes;
  return {
    ...config,
    source: {
      ...config.source,
      allowedUriSchemes: schemes.includes('file') ? schemes : [...schemes, 'file'],
      fileRoots: files.map((f) => path.resolve(f)),
    },
  };
}

async function probeIngest(config: RuntimeConfig, files: string[], concurrency: number, notes: string[]) {
  for (const file of probeCandidates(files)) {
    try {
      return await probeDecode(config, pathToFileURL(path.resolve(file)).href, concurrency);
    } catch (error) {
      notes.push(`cannot measure decoding on ${file}: ${(error as Error).message}`);
    }
  }
  return undefined;
}

const positive = (name: string, v: string | undefined, integer: boolean, min = 1) => {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || x < min || (integer && !Number.isInteger(x)))
    throw new UsageError(`--${name} must be a ${integer ? 'whole' : 'positive'} number ≥ ${min}, got ${v}`);
  return x;
};

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
      // Measure every session's profile on this machine instead of using the manifest's.
      profile: { type: 'boolean', default: false },
      // Offer videos at this rate (videos per second) instead of as fast as the source accepts.
      rate: { type: 'string' },
      // Serve /healthz, /readyz and /metrics on 127.0.0.1:PORT while running (0: any free port).
      port: { type: 'string' },
    },
    strict: true,
  });
  const output = values.output as OutputFormat;
  if (output !== 'table' && output !== 'json')
    throw new UsageError(`-o must be table or json, got ${values.output}`);
  const provider = values.provider as ExecutionProvider;
  if (!isExecutionProvider(provider)) throw new UsageError(`--provider must be ${EXECUTION_PROVIDER_LIST}`);
  const count = positive('count', values.count, true);
  const rateVps = positive('rate', values.rate, false, 1e-3);
  const port = positive('port', values.port, true, 0);
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
    rateVps,
    port,
    profile: values.profile === true,
    modelRoot,
    pipeline: values.pipeline,
  };
}

export interface RunHooks {
  /** Called once every video has settled, before the HTTP server (if any) closes (tests). */
  afterRun?(server: { url: string } | undefined): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runCommand(
  argv: string[],
  io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
  hooks: RunHooks = {},
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(usage);
    return 0;
  }
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
    pipeline.spec.stages.some((st) => st.sessionRef?.name === s.metadata.name),
  );
  const missing = sessions
    .map((s) => modelPath(s.spec.model.uri, args.modelRoot))
    .filter((p) => !existsSync(p));
  if (missing.length > 0) {
    io.err(`vpo run: model file(s) missing: ${missing.join(', ')}\n${prepareHint}\n`);
    return 1;
  }
  if (args.provider !== 'cpu') {
    // The doctor's check: a provider that cannot run here is refused, never replaced by the CPU.
    try {
      await requireProviders(new Map([[args.provider, `vpo run --provider ${args.provider}`]]));
    } catch (err) {
      io.err(`vpo run: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const devices = Math.max(1, os.availableParallelism());
  const product = deviceProduct(args.provider);
  const probeNotes: string[] = [];
  let local: Awaited<ReturnType<typeof planLocally>>;
  try {
    local = await planLocally({
      pipeline,
      sessions,
      provider: args.provider,
      product,
      devices,
      remeasure: args.profile,
      measure: (s) => measureSession(s, args.modelRoot, args.provider),
      // Decode concurrency is sized to the local cores (embedded/pipeline.ts).
      probeIngest: (config) => probeIngest(readingLocalFiles(config, files), files, devices, probeNotes),
    });
  } catch (error) {
    io.err(`vpo run: ${(error as Error).message}\n`);
    return 1;
  }
  local.notes.unshift(...probeNotes);
  const clock = systemClock;
  const metrics = createRuntimeMetrics();
  const logger = lineLogger(io.err, { quiet: true });
  let server: EmbeddedServer | undefined;
  if (args.port !== undefined) {
    try {
      server = await serveEmbedded(metrics, args.port);
    } catch (error) {
      io.err(`vpo run: ${(error as Error).message}\n`);
      return 1;
    }
    io.err(`serving ${server.url} (/healthz, /readyz, /metrics)\n`);
  }
  const results = new RunResults((row) => io.out(formatRow(row, args.output)), clock.nowMs);
  try {
    const embedded = await startEmbeddedPipeline({
      config: readingLocalFiles(local.config, files),
      modelRoot: args.modelRoot,
      devices,
      clock,
      logger,
      metrics,
      onResults: results.onResults,
      onDeadLetters: results.onDeadLetters,
      // --profile also measures the run's parts alone, and the prediction is composed from them.
      ...(args.profile ? { probeUri: pathToFileURL(path.resolve(probeCandidates(files)[0]!)).href } : {}),
    });
    server?.ready();
    // The run's clock starts once the pipeline is up (models loaded, parts measured).
    const startMs = clock.nowMs();
    const cpuAtStart = process.cpuUsage();
    try {
      if (args.output === 'table') io.out(tableHeader);
      const taken = new Set<string>();
      for (let i = 0; i < (args.count ?? files.length); i++) {
        // Paced: video i is offered at start + i/rate (later if the source is full).
        if (args.rateVps) await sleep(startMs + (i * 1000) / args.rateVps - clock.nowMs());
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
    const cpu = process.cpuUsage(cpuAtStart);
    await hooks.afterRun?.(server);
    const summary = await summarize({
      results,
      elapsedMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      local,
      metrics,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      ...(embedded.parts ? { parts: embedded.parts, cores: devices } : {}),
      ...(args.rateVps ? { offeredVps: args.rateVps } : {}),
    });
    io.out(formatSummary(summary, args.output));
    return 0;
  } finally {
    await server?.close();
  }
}
