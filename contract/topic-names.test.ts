import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLegalTopicName, legalTopicName, MAX_TOPIC_NAME_LENGTH, pipelineTopics } from './topic-names.ts';

test('pipeline topics are deterministic and use the spec topics when given', () => {
  const input = { namespace: 'media', name: 'video-classifier', stages: ['scene', 'fusion'] };
  const topics = pipelineTopics(input);
  assert.deepEqual(topics, pipelineTopics(input));
  assert.equal(topics.stages.scene, 'vpo.media.video-classifier.stage.scene');
  assert.equal(topics.source, 'vpo.media.video-classifier.source');
  assert.equal(topics.output, 'vpo.media.video-classifier.results');
  assert.equal(topics.deadLetter, 'vpo.media.video-classifier.dead');
  const spec = pipelineTopics({ ...input, sourceTopic: 'videos.incoming', outputTopic: 'videos.results' });
  assert.equal(spec.source, 'videos.incoming');
  assert.equal(spec.output, 'videos.results');
});

test('names are legal: illegal characters replaced, long names cut with a distinguishing hash', () => {
  assert.equal(legalTopicName('a b/c:d'), 'a_b_c_d');
  assert.equal(legalTopicName('..'), '__');
  const long1 = legalTopicName(`${'x'.repeat(300)}1`);
  const long2 = legalTopicName(`${'x'.repeat(300)}2`);
  assert.equal(long1.length, MAX_TOPIC_NAME_LENGTH);
  assert.notEqual(long1, long2);
  for (const name of [long1, long2, legalTopicName('ü'), legalTopicName('')])
    assert.ok(isLegalTopicName(name), name);
  assert.equal(isLegalTopicName('a/b'), false);
});
