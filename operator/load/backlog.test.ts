import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backlogStages, backlogVideos, messagesPerVideo } from './backlog.ts';

const stage = (name: string, inputs: string[] = [], fanOut = 1) => ({ name, inputs, fanOut });

test('parallel stages and a join: the join topic carries one message per input per video', () => {
  const m = messagesPerVideo([stage('scene'), stage('motion'), stage('fusion', ['scene', 'motion'])]);
  assert.deepEqual(m, { scene: 1, motion: 1, fusion: 2 });
});

test('fan-out multiplies the messages downstream', () => {
  const m = messagesPerVideo([stage('shots', [], 4), stage('tag', ['shots'], 2), stage('sum', ['tag'])]);
  assert.deepEqual(m, { shots: 1, tag: 4, sum: 8 });
});

test('a cycle or an unknown input does not hang and counts 1', () => {
  const m = messagesPerVideo([stage('a', ['b']), stage('b', ['a']), stage('c', ['nope'])]);
  assert.equal(m.c, 1);
  assert.ok(m.a! >= 1 && m.b! >= 1);
});

test('the backlog in videos is the largest normalised stage lag, not the sum', () => {
  // One video in each of scene and motion and both its messages in fusion's topic: 1 video, not 4.
  const lags = [
    { lag: 1, messagesPerVideo: 1 },
    { lag: 1, messagesPerVideo: 1 },
    { lag: 2, messagesPerVideo: 2 },
  ];
  assert.equal(backlogVideos(lags), 1);
  assert.equal(backlogVideos([{ lag: 9, messagesPerVideo: 3 }, { lag: 2 }]), 3);
  assert.equal(backlogVideos([]), 0);
});

test('stages from the spec: fanOut quantities parsed, absent inputs read the source', () => {
  const vp = {
    spec: {
      stages: [
        { name: 'a', sessionRef: { name: 's' }, fanOut: '3' },
        { name: 'b', sessionRef: { name: 's' }, inputs: ['a'] },
      ],
    },
  } as unknown as Parameters<typeof backlogStages>[0];
  assert.deepEqual(backlogStages(vp), [stage('a', [], 3), stage('b', ['a'], 1)]);
  assert.deepEqual(messagesPerVideo(backlogStages(vp)), { a: 1, b: 3 });
});
