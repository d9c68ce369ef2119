import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRuntimeFile, filePipelines } from './runtime-file.ts';

const config = (name: string) => ({ pipeline: { namespace: 'media', name }, stages: [], backends: [] });
const settings = { partitions: 4 };
const file = (extra: Record<string, unknown> = {}) => ({
  version: 1,
  runtime: config('a'),
  kafka: { brokers: ['k:9092'], createTopics: false, settings },
  frameStore: { root: '/frames' },
  ...extra,
});

test('a backend group file carries more pipelines; filePipelines lists runtime first', () => {
  const checked = checkRuntimeFile(
    file({ otherPipelines: [{ runtime: config('b'), kafkaSettings: settings }] }),
    'f',
  );
  assert.deepEqual(
    filePipelines(checked).map((p) => p.runtime.pipeline.name),
    ['a', 'b'],
  );
  assert.deepEqual(
    filePipelines(checkRuntimeFile(file(), 'f')).map((p) => p.runtime.pipeline.name),
    ['a'],
  );
});

test('malformed otherPipelines are rejected naming the field', () => {
  assert.throws(
    () => checkRuntimeFile(file({ otherPipelines: {} }), 'f.json'),
    /f\.json: otherPipelines must be a list/,
  );
  assert.throws(
    () => checkRuntimeFile(file({ otherPipelines: [{ runtime: config('b') }] }), 'f.json'),
    /otherPipelines\[0\]\.kafkaSettings must be Kafka settings/,
  );
  assert.throws(
    () => checkRuntimeFile(file({ otherPipelines: [{ runtime: {}, kafkaSettings: settings }] }), 'f.json'),
    /otherPipelines\[0\]\.runtime must be a runtime config/,
  );
  assert.throws(
    () =>
      checkRuntimeFile(
        file({ otherPipelines: [{ runtime: config('a'), kafkaSettings: settings }] }),
        'f.json',
      ),
    /otherPipelines\[0\]\.runtime\.pipeline repeats media\/a/,
  );
});
