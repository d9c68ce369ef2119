import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import type { RecentRead } from '../../kafka/recent-records.ts';
import { fakeClock } from '../clock.ts';
import { createLoadObserver, type LoadAdmin, windowed } from './observer.ts';

const topics = {
  key: 'ns/p',
  sourceTopic: 'src',
  outputTopic: 'out',
  stages: [
    { group: 'g1', topic: 't1' },
    { group: 'g2', topic: 't2', messagesPerVideo: 2 },
  ],
};

function fakeAdmin() {
  const ends: Record<string, number> = { src: 100, out: 40 };
  const reads: { topic: string; read: RecentRead }[] = [];
  let records = [{ timestampMs: 3000, value: JSON.stringify({ videoId: 'a', ingestedAtMs: 1000 }) }];
  const admin: LoadAdmin = {
    topicEndOffsets: async (names) => Object.fromEntries(names.map((t) => [t, ends[t] ?? 0])),
    groupLag: async (group) => ({ total: group === 'g1' ? 3 : 4, topics: {} }),
    recentRecords: async (topic, read) => {
      reads.push({ topic, read });
      return records;
    },
  };
  return { admin, ends, reads, setRecords: (r: typeof records) => (records = r) };
}

test('arrival and output rates from end offsets over a window, lag summed over stage groups, backlog in videos', async () => {
  const clock = fakeClock(0);
  const { admin, ends } = fakeAdmin();
  const observer = createLoadObserver(admin, clock, {
    windowMs: 10_000,
    recent: { perPartition: 200, timeoutMs: 100 },
  });
  assert.equal(await observer.observe(topics), undefined);
  clock.advance(10_000);
  ends.src = 150;
  ends.out = 60;
  const sample = await observer.observe(topics);
  assert.deepEqual(
    { ...sample, p99LatencyMs: undefined },
    {
      arrivalVps: 5,
      throughputVps: 2,
      lag: 7,
      backlogVideos: 3,
      windowMs: 10_000,
      p99LatencyMs: undefined,
    },
  );
  // A reconcile 1 s later still measures over the whole window, not over the last second.
  clock.advance(1_000);
  ends.src = 151;
  const soon = await observer.observe(topics);
  assert.equal(soon?.windowMs, 11_000);
  assert.equal(soon?.arrivalVps, 51 / 11);
  observer.forget('ns/p');
  assert.equal(await observer.observe(topics), undefined);
});

test('p99 from the newest output records, read in the background at most once per window', async () => {
  const clock = fakeClock(0);
  const { admin, reads, setRecords } = fakeAdmin();
  const recent = { perPartition: 200, timeoutMs: 100 };
  const observer = createLoadObserver(admin, clock, { windowMs: 10_000, recent });
  await observer.observe(topics);
  assert.deepEqual(reads, [{ topic: 'out', read: recent }]);
  await tick();
  clock.advance(5_000);
  assert.equal((await observer.observe(topics))?.p99LatencyMs, 2000);
  assert.equal(reads.length, 1, 'no second read within the window');
  setRecords([]);
  clock.advance(5_000);
  await observer.observe(topics);
  await tick();
  assert.equal(reads.length, 2);
  clock.advance(1_000);
  assert.equal((await observer.observe(topics))?.p99LatencyMs, 2000, 'no new records keep the last p99');
});

test('a failed read is reported with the sample', async () => {
  const clock = fakeClock(0);
  const { admin } = fakeAdmin();
  admin.recentRecords = async () => {
    throw new Error('broker away');
  };
  const observer = createLoadObserver(admin, clock);
  await observer.observe(topics);
  await tick();
  clock.advance(10_000);
  assert.equal((await observer.observe(topics))?.latencyError, 'broker away');
});

test('the window keeps the newest reading at least windowMs old as its base', () => {
  const r = (atMs: number) => ({ atMs, source: 0, output: 0 });
  assert.deepEqual(
    windowed([r(0), r(5), r(12), r(20)], 20, 10).map((x) => x.atMs),
    [5, 12, 20],
  );
  assert.deepEqual(
    windowed([r(15), r(20)], 20, 10).map((x) => x.atMs),
    [15, 20],
  );
});

test("a stage's outputs per input are measured from the growth of its and the next stage's topics", async () => {
  const clock = fakeClock(0);
  const { admin, ends } = fakeAdmin();
  const observer = createLoadObserver(admin, clock, {
    windowMs: 10_000,
    recent: { perPartition: 200, timeoutMs: 100 },
  });
  const withFanOut = {
    ...topics,
    fanOuts: [{ stage: 'detect', topic: 't1', downstreamTopic: 't2', declared: 2 }],
  };
  ends.t1 = 10;
  ends.t2 = 30;
  await observer.observe(withFanOut);
  clock.advance(10_000);
  ends.src = 120;
  ends.t1 = 30;
  ends.t2 = 130;
  const sample = await observer.observe(withFanOut);
  assert.equal(sample?.fanOut?.[0]?.observed, 5);
  assert.match(sample?.fanOut?.[0]?.hint ?? '', /emits 5.00 outputs per input, the plan assumes fanOut 2/);
});
