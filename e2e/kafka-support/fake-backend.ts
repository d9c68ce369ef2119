// A backend process for the fault tests: `node fake-backend.ts CONFIG.json STAGE DELAY_MS
// GAP_MS` runs one stage on the Kafka transport with a worker that takes DELAY_MS per item and
// answers {scores, pid}; GAP_MS passes between producing a chunk's outputs and committing it (a
// window for a crash). It prints "ready" once consuming, and runs until killed.
import { readFileSync } from 'node:fs';
import type { RuntimeConfig } from '../../contract/runtime-config.ts';
import { startTestBackend, testSettings } from './harness.ts';

const [configFile, stage, delay, gap] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configFile!, 'utf8')) as RuntimeConfig & { bootstrap: string };
const delayMs = Number(delay);
const backend = await startTestBackend(
  config.bootstrap,
  config,
  {
    [stage!]: {
      process: async () => {
        await new Promise((r) => setTimeout(r, delayMs));
        return { scores: [1], pid: process.pid };
      },
    },
  },
  testSettings(config),
  200,
  Number(gap ?? 0),
);
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  backend.stop().then(() => process.exit(0));
});
