/** `--test-global-setup` for the e2e suite: a real Kafka broker, a real Kubernetes API server and a real S3 server. */
import { globalHooksFor } from './global-hooks.ts';

export const { globalSetup, globalTeardown } = globalHooksFor({ kafka: true, kubernetes: true, s3: true });
