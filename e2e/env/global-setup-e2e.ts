/** `--test-global-setup` for the e2e suite: a real Kafka broker and a real Kubernetes API server. */
import { globalHooksFor } from './global-hooks.ts';

export const { globalSetup, globalTeardown } = globalHooksFor({ kafka: true, kubernetes: true });
