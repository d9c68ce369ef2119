/** `--test-global-setup` for the integration suite: a real Kafka broker and a real S3 server. */
import { globalHooksFor } from './global-hooks.ts';

export const { globalSetup, globalTeardown } = globalHooksFor({ kafka: true, kubernetes: false, s3: true });
