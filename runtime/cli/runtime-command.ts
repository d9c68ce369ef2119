// `vpo runtime --role ingest|backend --config FILE [--stages a,b | --backend NAME] [--port N]
// [--api-port N] [--host ADDR] [--model-root DIR] [--frame-store DIR] [--emulate-device-latency]`:
// one runtime role as it runs in a pod, connected to the others through Kafka, serving /healthz,
// /readyz, /metrics on --port (default 9090) and, for ingest, POST /v1/videos on --api-port
// (default 8080; with a bearer token when the file names source.httpTokenEnv).
// FILE is the runtime file the operator renders (docs/kafka.md "Runtime file"), JSON or YAML.
// --emulate-device-latency (backend; a test and benchmark knob) emulates the planned device's speed
// so a cluster of fake GPUs behaves like real ones: each batch is padded to the profiled ℓ(b) of
// the planned product (the runtime file's per-stage profile).
// --termination-log PATH: when the role cannot start, one line "REASON: message" goes there too
// (contract/start-failure.ts; the pod's terminationMessagePath, which the operator reads).
// Runs until SIGTERM/SIGINT, then finishes in-flight batches and exits 0; 1 on bad arguments or
// when the role cannot start (e.g. ProviderUnavailable: a session's provider cannot run here).
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import { formatStartFailure } from '../../contract/start-failure.ts';
import { systemClock } from '../clock.ts';
import { ProviderUnavailableError } from '../doctor/doctor.ts';
import { lineLogger } from '../logger.ts';
import { createRuntimeMetrics } from '../metrics.ts';
import { parseRuntimeFile } from '../plan/runtime-file-text.ts';
import { startBackendRole } from '../roles/backend-role.ts';
import { startIngestRole } from '../roles/ingest-role.ts';
import type { RunningRole } from '../roles/role-parts.ts';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Ends the process now (a shutdown that overran its grace). */
  exit?: (code: number) => never;
}

/**
 * How long a stop may take before the process exits anyway. kafkajs clients can keep retrying
 * after a broker restart instead of closing; offsets are committed only after outputs are
 * produced, so exiting loses nothing: what was not committed is delivered again. Below the pod's
 * default 30 s grace period, so the pod ends on our terms, with the reason in its log.
 */
export const STOP_GRACE_MS = 20_000;

const usage =
  'usage: vpo runtime --role ingest|backend --config FILE [--stages a,b | --backend NAME] [--port N] [--api-port N] [--host ADDR] [--model-root DIR] [--frame-store DIR] [--emulate-device-latency] [--termination-log PATH]\n';

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      role: { type: 'string' },
      config: { type: 'string' },
      stages: { type: 'string' },
      backend: { type: 'string' },
      /** Ops: /healthz, /readyz, /metrics. */
      port: { type: 'string', default: '9090' },
      /** Ingest: POST /v1/videos, on its own port. */
      'api-port': { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'model-root': { type: 'string' },
      /** Overrides the file's frameStore.root (the pod passes its volume's mount path). */
      'frame-store': { type: 'string' },
      /** Backend: pad each batch to the planned device's profiled latency (tests, benchmarks). */
      'emulate-device-latency': { type: 'boolean', default: false },
      /** Where a start failure is written for the kubelet (the pod's terminationMessagePath). */
      'termination-log': { type: 'string' },
    },
    strict: true,
  });
  if (values.role !== 'ingest' && values.role !== 'backend')
    throw new Error('--role must be ingest or backend');
  if (!values.config) throw new Error('--config FILE is required');
  const tcpPort = (flag: string, text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new Error(`--${flag} must be a TCP port, got ${text}`);
    return n;
  };
  const port = tcpPort('port', values.port);
  const apiPort = tcpPort('api-port', values['api-port']);
  const stages = values.stages
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { ...values, role: values.role, config: values.config, port, apiPort, stages };
}

export function readRuntimeFile(file: string): RuntimeFile {
  return parseRuntimeFile(readFileSync(file, 'utf8'), file);
}

export async function runtimeCommand(
  argv: string[],
  io: Io = {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    exit: (code) => process.exit(code),
  },
  stopSignal: Promise<void> = new Promise((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  }),
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(usage);
    return 0;
  }
  let args: ReturnType<typeof parse>;
  let file: RuntimeFile;
  let initialText: string;
  let adjust: (f: RuntimeFile) => RuntimeFile;
  try {
    args = parse(argv);
    initialText = readFileSync(args.config, 'utf8');
    const frameStore = args['frame-store'];
    adjust = (f) => (frameStore ? { ...f, frameStore: { root: frameStore } } : f);
    file = adjust(parseRuntimeFile(initialText, args.config));
  } catch (error) {
    io.err(`vpo runtime: ${(error as Error).message}\n${usage}`);
    return 1;
  }
  const logger = lineLogger(io.err);
  const tokenEnv = file.runtime.source.httpTokenEnv;
  const apiToken = tokenEnv ? process.env[tokenEnv] : undefined;
  if (args.role === 'ingest' && file.runtime.source.httpEnabled && tokenEnv && !apiToken) {
    io.err(
      `vpo runtime: source.httpTokenEnv: the environment variable ${tokenEnv} is not set (the ingest API token)\n`,
    );
    return 1;
  }
  const passwordEnv = file.kafka.sasl?.passwordEnv;
  const usernameEnv = file.kafka.sasl?.usernameEnv;
  const sslEnv = file.kafka.sslEnv ?? {};
  const tls = Object.fromEntries(
    (['ca', 'cert', 'key'] as const).flatMap((k) => {
      const name = sslEnv[k];
      const value = name ? process.env[name] : undefined;
      return value ? [[k, value]] : [];
    }),
  );
  const deps = {
    clock: systemClock,
    logger,
    metrics: createRuntimeMetrics(),
    clientId: `vpo-${args.role}-${os.hostname()}-${process.pid}`,
    ...(passwordEnv && process.env[passwordEnv] !== undefined
      ? { saslPassword: process.env[passwordEnv] }
      : {}),
    ...(usernameEnv && process.env[usernameEnv] ? { saslUsername: process.env[usernameEnv] } : {}),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    ...(apiToken !== undefined ? { apiToken } : {}),
  };
  const listen = { host: args.host, port: args.port, apiPort: args.apiPort };
  let role: RunningRole;
  try {
    role =
      args.role === 'ingest'
        ? await startIngestRole(file, listen, deps)
        : await startBackendRole(
            file,
            {
              ...(args.stages ? { stages: args.stages } : {}),
              ...(args.backend ? { backend: args.backend } : {}),
            },
            listen,
            {
              ...deps,
              ...(args['model-root'] ? { modelRoot: args['model-root'] } : {}),
              ...(args['emulate-device-latency'] ? { emulateDeviceLatency: true } : {}),
              // A re-plan reaches this pod through the mounted file (runtime/plan/).
              planSource: { path: args.config, initialText, adjust },
            },
          );
  } catch (error) {
    const message = (error as Error).message;
    io.err(`vpo runtime: cannot start the ${args.role} role: ${message}\n`);
    if (args['termination-log']) {
      const reason = error instanceof ProviderUnavailableError ? 'ProviderUnavailable' : 'StartFailed';
      try {
        writeFileSync(args['termination-log'], formatStartFailure({ reason, message }));
      } catch (err) {
        io.err(`vpo runtime: cannot write --termination-log: ${(err as Error).message}\n`);
      }
    }
    return 1;
  }
  io.out(`vpo runtime: ${args.role} ready on ${role.url}\n`);
  if (role.apiUrl) io.out(`vpo runtime: ${args.role} api on ${role.apiUrl}\n`);
  await stopSignal;
  let grace: NodeJS.Timeout | undefined;
  const overran = new Promise<true>((resolve) => {
    grace = setTimeout(() => resolve(true), STOP_GRACE_MS);
  });
  const late = await Promise.race([role.close().then(() => false as const), overran]);
  clearTimeout(grace);
  if (late) {
    io.err(
      `vpo runtime: the ${args.role} role did not stop within ${STOP_GRACE_MS} ms (Kafka clients still closing); exiting: uncommitted work is delivered again\n`,
    );
    io.exit?.(1);
    return 1;
  }
  io.out(`vpo runtime: ${args.role} stopped\n`);
  // kafkajs may leave a crashed consumer's restart timer behind after a lost broker, which would
  // keep the process alive with nothing left to do.
  io.exit?.(0);
  return 0;
}
