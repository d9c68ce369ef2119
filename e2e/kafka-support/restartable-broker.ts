// A dedicated single-node broker that can be stopped and started again on the same ports and data
// directory (startKafka picks new ports each time), for the broker-restart fault test. It reuses
// the shared environment's classpath, server.properties and process helpers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureKafkaClasspath } from '../env/kafka/assemble.ts';
import { freePort, waitForBroker } from '../env/kafka/ready.ts';
import { newClusterId, renderServerProperties } from '../env/kafka/server-properties.ts';
import { isAlive, runLogged, spawnLogged, stopProcessGroup, watchOwner } from '../env/process.ts';

export interface RestartableBroker {
  bootstrap: string;
  /** Stops the broker (SIGTERM, then SIGKILL), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data; resolves when clients are answered. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

function jvm(libDir: string, mainClass: string): string[] {
  return ['-Xmx384m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', join(libDir, '*'), mainClass];
}

export async function startRestartableBroker(): Promise<RestartableBroker> {
  const { libDir } = await ensureKafkaClasspath();
  const workDir = await mkdtemp(join(tmpdir(), 'vpo-kafka-restart-'));
  const logFile = join(workDir, 'kafka.log');
  const properties = join(workDir, 'server.properties');
  const brokerPort = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === brokerPort) controllerPort = await freePort();
  await writeFile(
    properties,
    renderServerProperties({
      nodeId: 1,
      brokerPort,
      controllerPort,
      logDir: join(workDir, 'data'),
      offsetsTopicPartitions: 2,
    }),
  );
  await runLogged(
    'java',
    [...jvm(libDir, 'kafka.tools.StorageTool'), 'format', '-t', newClusterId(), '-c', properties],
    logFile,
    workDir,
  );
  const bootstrap = `127.0.0.1:${brokerPort}`;
  let pid = 0;
  const start = async () => {
    pid = spawnLogged('java', [...jvm(libDir, 'kafka.Kafka'), properties], logFile, workDir);
    watchOwner(pid, process.pid);
    const current = pid;
    await waitForBroker(bootstrap, () => isAlive(current), 90_000);
  };
  const stop = () => stopProcessGroup(pid);
  await start();
  return {
    bootstrap,
    start,
    stop,
    async destroy() {
      await stop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
