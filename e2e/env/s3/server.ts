// The S3 server of the test environment: SeaweedFS (`weed server` with master, volume server,
// filer and S3 gateway in one process) on 127.0.0.1, every port chosen free (other engineers'
// environments run beside it), one identity with random keys, data in a temp folder removed on
// stop. Built from the Go module proxy by build.sh on first use (cached). MinIO's server is AGPL:
// never used here.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createS3ObjectStore } from '../../../objectstore/s3-client.ts';
import { freePort } from '../kafka/ready.ts';
import { isAlive, logTail, spawnLogged, stopProcessGroup, watchOwner } from '../process.ts';

export const BUILD_SCRIPT = join(import.meta.dirname, 'build.sh');

/** What a test needs to reach the store (also what `env:up` prints and S3_* reuse). */
export interface S3Endpoint {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3Server extends S3Endpoint {
  logFile: string;
  pid: number;
  stop(): Promise<void>;
}

export interface StartS3Options {
  /** Stop the server when this process exits even if stop() never runs (test runners). */
  ownerPid?: number;
  startTimeoutMs?: number;
  progress?: (line: string) => void;
}

/** Runs build.sh (a no-op when the binary is cached) and returns the `weed` binary's path. */
export function ensureWeedBinary(progress: (line: string) => void = () => {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      for (const line of chunk.split('\n').filter(Boolean)) progress(line);
    });
    child.once('error', (error) => reject(new Error(`could not run ${BUILD_SCRIPT}: ${error.message}`)));
    child.once('close', (code) => {
      const binary = stdout.trim().split('\n').at(-1);
      if (code === 0 && binary) resolve(binary);
      else reject(new Error(`${BUILD_SCRIPT} failed (exit code ${code}):\n${stderr.trim()}`));
    });
  });
}

/** Distinct free ports (a port picked twice would make the server fail to bind). */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** SeaweedFS's static identity file: one identity allowed everything (the tests' admin). */
export function identityConfig(accessKeyId: string, secretAccessKey: string): string {
  return JSON.stringify({
    identities: [
      {
        name: 'vpo-test',
        credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }],
        actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'],
      },
    ],
  });
}

/**
 * True when the store takes a write and gives it back: the gateway answering is not enough, the
 * filer and a volume server must have registered with the master too.
 */
export async function s3Answers(endpoint: S3Endpoint): Promise<boolean> {
  const store = createS3ObjectStore({
    endpoint: endpoint.endpoint,
    region: endpoint.region,
    forcePathStyle: true,
    credentials: { accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey },
    connectTimeoutMs: 1000,
    requestTimeoutMs: 5000,
    maxAttempts: 1,
  });
  try {
    await store.ensureBucket('vpo-env-ready');
    await store.put('vpo-env-ready', 'probe', 'ok');
    const body = await store.get('vpo-env-ready', 'probe');
    let text = '';
    for await (const chunk of body.stream) text += String(chunk);
    return text === 'ok';
  } catch {
    return false;
  } finally {
    store.close();
  }
}

export async function startS3Server(options: StartS3Options = {}): Promise<S3Server> {
  const weed = await ensureWeedBinary(options.progress);
  const workDir = await mkdtemp(join(tmpdir(), 'vpo-s3-'));
  const dataDir = join(workDir, 'data');
  await mkdir(dataDir);
  const logFile = join(workDir, 'weed.log');
  const accessKeyId = `vpo${randomBytes(8).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('hex');
  const configFile = join(workDir, 's3.json');
  await writeFile(configFile, identityConfig(accessKeyId, secretAccessKey), { mode: 0o600 });
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = await freePorts(8);
  const args = [
    'server',
    `-dir=${dataDir}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    '-master.telemetry=false',
    // Each bucket is a collection of volumes; small ones keep a test run's disk use low (files
    // are sparse), and with one volume grown at a time (WEED_MASTER_VOLUME_GROWTH_COPY_1 below,
    // as `weed mini` does) the slots stretch across the many buckets tests create.
    '-master.volumeSizeLimitMB=64',
    '-volume.max=200',
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    '-filer',
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    `-filer.localSocket=${join(workDir, 'filer.sock')}`,
    '-s3',
    `-s3.port=${s3}`,
    `-s3.port.grpc=${s3Grpc}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.localSocket=${join(workDir, 's3.sock')}`,
    `-s3.config=${configFile}`,
  ];
  const pid = spawnLogged(weed, args, logFile, workDir, {
    ...process.env,
    WEED_MASTER_VOLUME_GROWTH_COPY_1: '1',
  });
  if (options.ownerPid !== undefined) watchOwner(pid, options.ownerPid);
  const endpoint: S3Endpoint = {
    endpoint: `http://127.0.0.1:${s3}`,
    region: 'us-east-1',
    accessKeyId,
    secretAccessKey,
  };
  const stop = async () => {
    await stopProcessGroup(pid);
    await rm(workDir, { recursive: true, force: true });
  };
  const deadline = performance.now() + (options.startTimeoutMs ?? 90_000);
  for (;;) {
    if (await s3Answers(endpoint)) break;
    if (!isAlive(pid) || performance.now() > deadline) {
      const why = isAlive(pid) ? 'did not answer in time' : 'exited';
      const tail = await logTail(logFile);
      await stop();
      throw new Error(`the S3 server (SeaweedFS) ${why}\nlog: ${logFile}\n${tail}`);
    }
    await sleep(300);
  }
  return { ...endpoint, logFile, pid, stop };
}
