import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { checkRuntimeFile } from '../../contract/runtime-file.ts';
import { planLocally } from '../../embedded/local-plan.ts';
import { loadManifests } from '../api/manifests.ts';
import { renderRuntimeFile } from './runtime-file.ts';

const sampleDir = path.resolve(new URL('../../samples/video-classifier', import.meta.url).pathname);

async function sample() {
  const m = loadManifests([path.join(sampleDir, 'pipeline.yaml'), path.join(sampleDir, 'sessions.yaml')]);
  const pipeline = m.pipelines[0]!;
  const local = await planLocally({
    pipeline,
    sessions: m.sessions,
    provider: 'cpu',
    product: 'cpu',
    devices: 2,
    measure: async () => {
      throw new Error('the sample has cpu profiles');
    },
  });
  return { pipeline, sessions: m.sessions, plan: local.plan };
}

test('the runtime file is a pure function of manifests, plan and Kafka settings', async () => {
  const { pipeline, sessions, plan } = await sample();
  const input = {
    pipeline,
    sessions,
    plan,
    kafka: {
      brokers: ['kafka:9092'],
      sasl: { mechanism: 'plain' as const, username: 'u', passwordEnv: 'PW' },
    },
    frameStoreRoot: '/frames',
  };
  const file = renderRuntimeFile(input);
  assert.deepEqual(file, renderRuntimeFile(input));
  assert.deepEqual(checkRuntimeFile(JSON.parse(JSON.stringify(file)), 'f'), file);
  assert.equal(file.runtime.topics.source, 'videos.incoming');
  assert.equal(file.runtime.topics.output, 'videos.results');
  const ns = pipeline.metadata.namespace ?? 'default';
  assert.equal(
    file.runtime.stages[0]!.topic,
    `vpo.${ns}.${pipeline.metadata.name}.stage.${file.runtime.stages[0]!.name}`,
  );
  assert.equal(file.kafka.createTopics, false);
  assert.ok(file.kafka.settings.partitions >= 4);
  assert.ok(!JSON.stringify(file).includes('password"'), 'no password in the file');
});

test('a file that is not a runtime file is refused with the field at fault', () => {
  assert.throws(() => checkRuntimeFile({ version: 2 }, 'x.json'), /x\.json: version must be 1/);
  assert.throws(() => checkRuntimeFile('nope', 'x.json'), /must be an object/);
});
