/** `--test-global-setup` for the integration suite: a real Kafka broker. */
import { globalHooksFor } from './global-hooks.ts';

export const { globalSetup, globalTeardown } = globalHooksFor({ kafka: true, kubernetes: false });
