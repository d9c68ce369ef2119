import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, logTail, runLogged, spawnLogged, stopProcessGroup, watchOwner } from '../process.ts';
import { cacheRoot, ensureKafkaClasspath, KAFKA_VERSION } from './assemble.ts';
import { freePort, waitForBroker } from './ready.ts';
import { newClusterId, renderServerProperties } from './server-properties.ts';

export interface StartKafkaOptions {
  /** Kafka version on Maven Central; default KAFKA_VERSION. */
  version?: string;
  /** Cache root; default `${VPO_CACHE_DIR:-~/.cache/vpo}`. */
  cacheDir?: string;
  /** Folder for config, data and log; default a new folder under os.tmpdir(), removed on stop. */
  workDir?: string;
  /** JVM heap cap; default 512. */
  heapMiB?: number;
  /** Give up waiting for the broker after this long; default 90 000. */
  startTimeoutMs?: number;
  /** Stop the broker when this process exits even if stop() never runs (test runners). */
  ownerPid?: number;
}

export interface KafkaBroker {
  bootstrap: string;
  logFile: string;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

function javaBinary(env: NodeJS.ProcessEnv): string {
  return env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

function jvmArgs(libDir: string, heapMiB: number, mainClass: string): string[] {
  return [
    `-Xmx${heapMiB}m`,
    '-Xms64m',
    // A test broker is small and short-lived: the serial collector and C1-only JIT start faster
    // and hold less memory than the server defaults.
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    '-Dorg.slf4j.simpleLogger.log.org.apache.kafka=info',
    '-cp',
    join(libDir, '*'),
    mainClass,
  ];
}

/**
 * Starts one combined KRaft broker+controller on 127.0.0.1 with free ports, from a classpath
 * assembled from Maven Central (cached), and waits until it answers clients.
 */
export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const heapMiB = options.heapMiB ?? 512;
  const java = javaBinary(process.env);
  if (!Number.isInteger(heapMiB) || heapMiB < 128) {
    throw new Error(`heapMiB must be an integer ≥ 128, got ${heapMiB}`);
  }
  const { libDir, version } = await ensureKafkaClasspath(
    options.version ?? KAFKA_VERSION,
    options.cacheDir ?? cacheRoot(),
  );
  const ownsWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'vpo-kafka-')));
  await mkdir(workDir, { recursive: true });
  const logFile = join(workDir, 'kafka.log');
  const propertiesFile = join(workDir, 'server.properties');
  const brokerPort = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === brokerPort) controllerPort = await freePort();
  await writeFile(
    propertiesFile,
    renderServerProperties({
      nodeId: 1,
      brokerPort,
      controllerPort,
      logDir: join(workDir, 'data'),
      offsetsTopicPartitions: 4,
    }),
  );
  await runLogged(
    java,
    [
      ...jvmArgs(libDir, 256, 'kafka.tools.StorageTool'),
      'format',
      '-t',
      newClusterId(),
      '-c',
      propertiesFile,
    ],
    logFile,
    workDir,
  );
  const pid = spawnLogged(
    java,
    [...jvmArgs(libDir, heapMiB, 'kafka.Kafka'), propertiesFile],
    logFile,
    workDir,
  );
  if (options.ownerPid !== undefined) watchOwner(pid, options.ownerPid);
  const bootstrap = `127.0.0.1:${brokerPort}`;
  const stop = async () => {
    await stopProcessGroup(pid);
    if (ownsWorkDir) await rm(workDir, { recursive: true, force: true });
  };
  try {
    await waitForBroker(bootstrap, () => isAlive(pid), options.startTimeoutMs ?? 90_000);
  } catch (error) {
    await stopProcessGroup(pid);
    throw new Error(`${(error as Error).message}\nlog: ${logFile}\n${await logTail(logFile)}`, {
      cause: error,
    });
  }
  return { bootstrap, logFile, pid, version, stop };
}
