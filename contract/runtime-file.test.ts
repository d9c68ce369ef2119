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

test('each hosted pipeline has a frame store: its own where given, else the file’s; a bad one is named', () => {
  const objectStore = { region: 'eu-1', endpoint: 'http://s3.local:8333' };
  const frames = (prefix: string) => ({ kind: 's3', bucket: 'frames', prefix });
  const checked = checkRuntimeFile(
    file({
      objectStore,
      frameStore: frames('media/a/'),
      otherPipelines: [
        { runtime: config('b'), kafkaSettings: settings, frameStore: frames('media/b/') },
        { runtime: config('c'), kafkaSettings: settings },
      ],
    }),
    'f',
  );
  assert.deepEqual(
    filePipelines(checked).map((p) => [p.runtime.pipeline.name, p.frameStore]),
    [
      ['a', frames('media/a/')],
      ['b', frames('media/b/')],
      ['c', frames('media/a/')],
    ],
  );
  const bad = (frameStore: unknown, extra: Record<string, unknown> = { objectStore }) =>
    checkRuntimeFile(
      file({ ...extra, otherPipelines: [{ runtime: config('b'), kafkaSettings: settings, frameStore }] }),
      'f.json',
    );
  assert.throws(
    () => bad(frames('no-slash')),
    /otherPipelines\[0\]\.frameStore\.prefix must be empty or end/,
  );
  assert.throws(() => bad({ kind: 'ftp' }), /otherPipelines\[0\]\.frameStore\.kind must be 'dir' or 's3'/);
  assert.throws(() => bad(frames('b/'), {}), /objectStore is required by an s3 frame store \(otherPipelines/);
});
