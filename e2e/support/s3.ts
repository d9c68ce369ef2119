// The test environment's S3 server (SeaweedFS, or S3_ENDPOINT's store) for test files: a client
// with the suite's keys and buckets of their own (test files run in parallel).
import { randomBytes } from 'node:crypto';
import { createS3ObjectStore, type ObjectStore } from '../../objectstore/s3-client.ts';
import { getS3TestEnv, type S3Endpoint } from '../env/environment.ts';

export function testS3(): S3Endpoint {
  return getS3TestEnv();
}

export function testObjectStore(endpoint: S3Endpoint = testS3()): ObjectStore {
  return createS3ObjectStore({
    endpoint: endpoint.endpoint,
    region: endpoint.region,
    forcePathStyle: true,
    credentials: { accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey },
  });
}

/** A new bucket named `<what>-<random>`. */
export async function freshBucket(store: ObjectStore, what: string): Promise<string> {
  const bucket = `${what}-${randomBytes(4).toString('hex')}`;
  await store.ensureBucket(bucket);
  return bucket;
}

/** Every key under `prefix`. */
export async function keysUnder(store: ObjectStore, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(bucket, prefix)) keys.push(o.key);
  return keys.sort();
}
