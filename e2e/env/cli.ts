/**
 * `npm run env:up` / `npm run env:down`.
 *
 * up: starts Kafka and Kubernetes in the background (reusing KAFKA_BOOTSTRAP / KUBECONFIG when
 * set) and prints exactly two lines, `KUBECONFIG=<path>` and `KAFKA_BOOTSTRAP=<host:port>`.
 * down: stops what `up` started. Options: --kafka-only (no Kubernetes; KUBECONFIG= is then empty).
 */
import { parseArgs } from 'node:util';
import { defaultStateFile, envDown, envUp } from './control.ts';

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'kafka-only': { type: 'boolean', default: false }, state: { type: 'string' } },
  });
  const stateFile = values.state ?? defaultStateFile();
  const command = positionals[0];
  if (command === 'up') {
    const result = await envUp({ needs: { kafka: true, kubernetes: !values['kafka-only'] }, stateFile });
    console.log(`KUBECONFIG=${result.kubeconfig ?? ''}`);
    console.log(`KAFKA_BOOTSTRAP=${result.kafkaBootstrap ?? ''}`);
  } else if (command === 'down') {
    const stopped = await envDown(stateFile);
    console.error(stopped ? 'test environment stopped' : `no test environment recorded in ${stateFile}`);
  } else {
    throw new Error(`usage: cli.ts up|down [--kafka-only] [--state FILE]; got ${JSON.stringify(command)}`);
  }
}

await main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
