// A dedicated single-node broker with SASL/SCRAM and the KRaft StandardAuthorizer, for the tests of
// least privilege: clients authenticate on a SASL listener (no TLS here: the test allows that
// explicitly), every request is authorised by ACLs, and the users exist from the start (SCRAM
// credentials written at format time). `admin` is a super user that sets the ACLs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureKafkaClasspath } from '../env/kafka/assemble.ts';
import { freePort, waitForBroker } from '../env/kafka/ready.ts';
import { newClusterId, renderServerProperties } from '../env/kafka/server-properties.ts';
import { isAlive, runLogged, spawnLogged, stopProcessGroup, watchOwner } from '../env/process.ts';

export interface SaslBroker {
  /** The SASL listener. */
  bootstrap: string;
  password(user: string): string;
  destroy(): Promise<void>;
}

function jvm(libDir: string, mainClass: string): string[] {
  return ['-Xmx384m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', join(libDir, '*'), mainClass];
}

async function ports(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = await freePort();
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

export async function startSaslBroker(users: string[]): Promise<SaslBroker> {
  const { libDir } = await ensureKafkaClasspath();
  const workDir = await mkdtemp(join(tmpdir(), 'vpo-kafka-sasl-'));
  const logFile = join(workDir, 'kafka.log');
  const properties = join(workDir, 'server.properties');
  const [saslPort, internalPort, controllerPort] = (await ports(3)) as [number, number, number];
  const base = renderServerProperties({
    nodeId: 1,
    brokerPort: internalPort,
    controllerPort,
    logDir: join(workDir, 'data'),
    offsetsTopicPartitions: 2,
  });
  // Clients on SASL; the broker's own traffic on an internal PLAINTEXT listener (ANONYMOUS, a
  // super user here), so nothing but the test's users ever authenticates.
  const overrides: Record<string, string> = {
    listeners: `SASL://127.0.0.1:${saslPort},PLAINTEXT://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `SASL://127.0.0.1:${saslPort},PLAINTEXT://127.0.0.1:${internalPort}`,
    'listener.security.protocol.map': 'SASL:SASL_PLAINTEXT,PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    'listener.name.sasl.scram-sha-512.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:admin;User:ANONYMOUS',
    'allow.everyone.if.no.acl.found': 'false',
    'auto.create.topics.enable': 'false',
  };
  const lines = base
    .split('\n')
    .filter((l) => l && !Object.keys(overrides).includes(l.slice(0, l.indexOf('='))));
  await writeFile(
    properties,
    `${[...lines, ...Object.entries(overrides).map(([k, v]) => `${k}=${v}`)].join('\n')}\n`,
  );
  const all = ['admin', ...users];
  const password = (user: string) => `${user}-secret`;
  const scram = all.flatMap((u) => ['--add-scram', `SCRAM-SHA-512=[name=${u},password=${password(u)}]`]);
  await runLogged(
    'java',
    [...jvm(libDir, 'kafka.tools.StorageTool'), 'format', '-t', newClusterId(), '-c', properties, ...scram],
    logFile,
    workDir,
  );
  const pid = spawnLogged('java', [...jvm(libDir, 'kafka.Kafka'), properties], logFile, workDir);
  watchOwner(pid, process.pid);
  // Readiness through the internal listener (no credentials needed there).
  await waitForBroker(`127.0.0.1:${internalPort}`, () => isAlive(pid), 90_000);
  return {
    bootstrap: `127.0.0.1:${saslPort}`,
    password,
    async destroy() {
      await stopProcessGroup(pid);
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
