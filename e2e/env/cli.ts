/**
 * `npm run env:up` / `npm run env:down`.
 *
 * up: starts Kafka, Kubernetes and an S3 server (SeaweedFS) in the background (reusing
 * KAFKA_BOOTSTRAP / KUBECONFIG / S3_ENDPOINT with S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY when
 * set) and prints `KUBECONFIG=<path>`, `KAFKA_BOOTSTRAP=<host:port>`, then `S3_ENDPOINT=<url>`,
 * `S3_REGION=…`, `S3_ACCESS_KEY_ID=…` and `S3_SECRET_ACCESS_KEY=…`, one per line, for `export`.
 * down: stops what `up` started. Options: --kafka-only (no Kubernetes; KUBECONFIG= is then empty),
 * --no-s3 (no S3 server; the S3_* lines are then absent).
 */
import { parseArgs } from 'node:util';
import { defaultStateFile, envDown, envUp } from './control.ts';
import { s3Env } from './environment.ts';

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'kafka-only': { type: 'boolean', default: false },
      'no-s3': { type: 'boolean', default: false },
      state: { type: 'string' },
    },
  });
  const stateFile = values.state ?? defaultStateFile();
  const command = positionals[0];
  if (command === 'up') {
    const result = await envUp({
      needs: { kafka: true, kubernetes: !values['kafka-only'], s3: !values['no-s3'] },
      stateFile,
    });
    console.log(`KUBECONFIG=${result.kubeconfig ?? ''}`);
    console.log(`KAFKA_BOOTSTRAP=${result.kafkaBootstrap ?? ''}`);
    if (result.s3)
      for (const [name, value] of Object.entries(s3Env(result.s3))) console.log(`${name}=${value}`);
  } else if (command === 'down') {
    const stopped = await envDown(stateFile);
    console.error(stopped ? 'test environment stopped' : `no test environment recorded in ${stateFile}`);
  } else {
    throw new Error(
      `usage: cli.ts up|down [--kafka-only] [--no-s3] [--state FILE]; got ${JSON.stringify(command)}`,
    );
  }
}

await main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
