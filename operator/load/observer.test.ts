import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClock } from '../controller/clock.ts';
import { createLoadObserver, type LoadAdmin } from './observer.ts';

test('arrival rate from end offsets over time, lag summed over stage groups', async () => {
  const clock = fakeClock(0);
  let end = 100;
  const admin: LoadAdmin = {
    topicEndOffsets: async (topics) => Object.fromEntries(topics.map((t) => [t, end])),
    groupLag: async (group) => ({ total: group === 'g1' ? 3 : 4, topics: {} }),
  };
  const observer = createLoadObserver(admin, clock);
  const topics = {
    key: 'ns/p',
    sourceTopic: 'src',
    stages: [
      { group: 'g1', topic: 't1' },
      { group: 'g2', topic: 't2' },
    ],
  };
  assert.equal(await observer.observe(topics), undefined);
  clock.advance(10_000);
  end = 150;
  assert.deepEqual(await observer.observe(topics), { arrivalVps: 5, lag: 7 });
  observer.forget('ns/p');
  assert.equal(await observer.observe(topics), undefined);
});
