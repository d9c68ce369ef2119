// The sample pipeline on Kafka, as separate processes: a runtime file rendered from the sample
// manifests and a local plan (the same renderRuntimeFile the operator uses), one `vpo runtime
// --role ingest` process and one `--role backend` process per planned backend group. Used by
// `npm run kafka:demo` (scripts/run-on-kafka.ts) and bench/kafka-vs-embedded.bench.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RuntimeFile } from '../contract/runtime-file.ts';
import { planLocally } from '../embedded/local-plan.ts';
import { loadManifests } from '../operator/api/manifests.ts';
import { renderRuntimeFile } from '../operator/render/runtime-file.ts';

export const repoRoot = path.resolve(new URL('..', import.meta.url).pathname);
export const sampleDir = path.join(repoRoot, 'samples/video-classifier');

export async function sampleLocalPlan(namespace: string, dir = sampleDir) {
  const manifests = loadManifests([path.join(dir, 'pipeline.yaml'), path.join(dir, 'sessions.yaml')]);
  const found = manifests.pipelines[0];
  if (!found) throw new Error(`no VideoPipeline in ${dir}`);
  // Topics of their own for this run (a reused broker may hold an earlier run's topics).
  const { kafkaTopic: _s, ...source } = found.spec.source ?? {};
  const pipeline = {
    ...found,
    metadata: { ...found.metadata, namespace },
    spec: {
      ...found.spec,
      source: { ...source, allowPrivateNetworks: true },
      output: {},
      deadLetter: { maxRetries: found.spec.deadLetter?.maxRetries ?? 3 },
    },
  } as typeof found;
  const sessions = manifests.sessions
    .filter((s) => pipeline.spec.stages.some((st) => st.sessionRef?.name === s.metadata.name))
    .map((s) => ({ ...s, metadata: { ...s.metadata, namespace } }));
  const local = await planLocally({
    pipeline,
    sessions,
    provider: 'cpu',
    product: 'cpu',
    devices: Math.max(1, os.availableParallelism()),
    measure: async (s) => {
      throw new Error(`session ${s.metadata.name} has no cpu profile`);
    },
  });
  return { pipeline, sessions, local };
}

export async function writeSampleRuntimeFile(
  bootstrap: string,
  workDir: string,
  namespace: string,
  fileRoots: string[] = [path.join(repoRoot, 'samples/videos'), workDir],
  dir = sampleDir,
) {
  const { pipeline, sessions, local } = await sampleLocalPlan(namespace, dir);
  const file: RuntimeFile = renderRuntimeFile({
    pipeline,
    sessions,
    plan: local.plan,
    kafka: { brokers: [bootstrap], createTopics: true },
    frameStoreRoot: path.join(workDir, 'frames'),
    modelRoot: dir,
    runtimeOptions: { executionProvider: 'cpu' },
  });
  // A local demo: the sample videos and the work directory are readable as file:// sources,
  // callers name their videos and need no token (clusters refuse all three by default).
  file.runtime.source.fileRoots = fileRoots;
  if (!file.runtime.source.allowedUriSchemes.includes('file'))
    file.runtime.source.allowedUriSchemes.push('file');
  file.runtime.source.clientVideoIds = true;
  delete file.runtime.source.httpTokenEnv;
  const filePath = path.join(workDir, 'runtime.json');
  await writeFile(filePath, `${JSON.stringify(file, null, 2)}\n`);
  return { file, filePath, local };
}

export interface RoleProcess {
  /** The ops server: /healthz, /readyz, /metrics. */
  url: string;
  /** The ingest API (POST /v1/videos), for the ingest role. */
  apiUrl?: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `vpo runtime` and resolves with its HTTP address once it says it is ready. */
export function startRole(args: string[], log: (line: string) => void): Promise<RoleProcess> {
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'bin/vpo.ts'), 'runtime', ...args, '--port', '0', '--api-port', '0'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stderr?.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line) log(line);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      // The ingest prints its API address right after "ready on".
      const m = /ready on (\S+)\n/.exec(out);
      const api = /api on (\S+)\n/.exec(out);
      if (m && (api || !args.includes('ingest')))
        resolve({
          url: m[1]!,
          ...(api ? { apiUrl: api[1]! } : {}),
          child,
          async stop() {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
    });
    child.once('exit', (code) => reject(new Error(`vpo runtime ${args.join(' ')} exited with ${code}`)));
  });
}

/** Ingest plus one backend process per planned backend group (each hosting its sessions). */
export async function startRoles(file: RuntimeFile, filePath: string, log: (line: string) => void) {
  const ingest = await startRole(['--role', 'ingest', '--config', filePath], log);
  const groups = file.runtime.backends.map((b) => b.sessions.map((s) => s.stage));
  const backends = await Promise.all(
    (groups.length > 0 ? groups : [file.runtime.stages.map((s) => s.name)]).map((stages) =>
      startRole(['--role', 'backend', '--config', filePath, '--stages', [...new Set(stages)].join(',')], log),
    ),
  );
  return {
    ingest,
    backends,
    async stop() {
      await Promise.all([ingest, ...backends].map((p) => p.stop()));
    },
  };
}

export async function submitVideo(ingestUrl: string, videoId: string, uri: string): Promise<void> {
  const response = await fetch(`${ingestUrl}/v1/videos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ videoId, uri }),
  });
  if (response.status !== 202)
    throw new Error(`POST /v1/videos ${videoId}: ${response.status} ${await response.text()}`);
}

/** Nearest-rank percentile (p in 0..100) of `values`; 0 when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
