import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Kafka version used by the test environment.
 *
 * Decision (by test, see e2e/kafka.integration.test.ts): Kafka 4.x. kafkajs 2.2.4 negotiates
 * protocol versions through ApiVersions and every request it sends (Produce, Fetch, JoinGroup,
 * SyncGroup, OffsetCommit, OffsetFetch, CreateTopics, CreatePartitions, Metadata, ListOffsets)
 * has a version that 4.x still accepts after KIP-896 removed the oldest ones; the smoke test
 * runs with no errors and no "unsupported version" warnings. 4.x is what users deploy today, and
 * 3.9 is the last 3.x line (ZooKeeper-era), so testing against 4.x catches what users will see.
 */
export const KAFKA_VERSION = '4.1.1';

/** slf4j binding per Kafka major: 4.x publishes none, 3.9 expects reload4j. */
function loggingBinding(version: string): { groupId: string; artifactId: string; version: string } {
  return version.startsWith('3.')
    ? { groupId: 'org.slf4j', artifactId: 'slf4j-reload4j', version: '1.7.36' }
    : { groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: '1.7.36' };
}

/** The pom that names the broker and its logging binding; copy-dependencies resolves the rest. */
export function renderPom(version: string): string {
  if (!/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`Kafka version must look like 4.1.1, got ${JSON.stringify(version)}`);
  }
  const binding = loggingBinding(version);
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.vpo.e2e</groupId>
  <artifactId>kafka-broker-classpath</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>${version}</version>
    </dependency>
    <dependency>
      <groupId>${binding.groupId}</groupId>
      <artifactId>${binding.artifactId}</artifactId>
      <version>${binding.version}</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.8.1</version>
      </plugin>
    </plugins>
  </build>
</project>
`;
}

/** `${VPO_CACHE_DIR:-~/.cache/vpo}` */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.VPO_CACHE_DIR || join(homedir(), '.cache', 'vpo');
}

export interface KafkaClasspath {
  version: string;
  libDir: string;
  /** True when this call ran Maven; false when the cache already held the classpath. */
  assembled: boolean;
}

/**
 * Returns `<cache>/kafka/<version>/lib`, assembling it with Maven on first use. The lib folder is
 * built in a sibling temp folder and renamed into place, so an interrupted or concurrent run
 * never leaves a half-filled classpath behind.
 */
export async function ensureKafkaClasspath(
  version: string = KAFKA_VERSION,
  root: string = cacheRoot(),
): Promise<KafkaClasspath> {
  const versionDir = join(root, 'kafka', version);
  const libDir = join(versionDir, 'lib');
  if (existsSync(join(libDir, `kafka_2.13-${version}.jar`))) {
    return { version, libDir, assembled: false };
  }
  await mkdir(versionDir, { recursive: true });
  const workDir = await mkdtemp(join(versionDir, 'assemble-'));
  try {
    await writeFile(join(workDir, 'pom.xml'), renderPom(version));
    const stagedLib = join(workDir, 'lib');
    await runMaven(workDir, [
      '-B',
      '-q',
      '-Dstyle.color=never',
      '-f',
      join(workDir, 'pom.xml'),
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${stagedLib}`,
    ]);
    const jars = await readdir(stagedLib);
    if (!jars.includes(`kafka_2.13-${version}.jar`)) {
      throw new Error(`Maven finished but ${stagedLib} holds no kafka_2.13-${version}.jar`);
    }
    try {
      await rename(stagedLib, libDir);
    } catch (error) {
      // Another process finished first: its classpath is as good as ours.
      if (!existsSync(join(libDir, `kafka_2.13-${version}.jar`))) throw error;
    }
    await writeFile(join(versionDir, 'pom.xml'), renderPom(version));
    return { version, libDir, assembled: true };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function runMaven(cwd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) =>
      reject(new Error(`cannot run mvn (is Maven installed?): ${error.message}`, { cause: error })),
    );
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`mvn ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}
