import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
import { DEFAULT_INGEST_CPU_MILLIS, ingestCostOf } from './ingest-cost.ts';

const sampling = { frames: 16, width: 224, height: 224 };
const profile = {
  sampling: { mode: 'keyframes' as const, ...sampling },
  meanCpuMillisPerVideo: 140,
  maxCpuMillisPerVideo: 400,
  videos: 12,
  classes: [
    { codec: 'h264', resolution: '720p', videos: 8, meanCpuMillisPerVideo: 100, maxCpuMillisPerVideo: 150 },
    { codec: 'av1', resolution: '1080p', videos: 4, meanCpuMillisPerVideo: 220, maxCpuMillisPerVideo: 400 },
  ],
};

function pipeline(spec: Partial<VideoPipeline['spec']>): VideoPipeline {
  return {
    apiVersion: 'serving.vpo.dev/v1alpha1',
    kind: 'VideoPipeline',
    metadata: { name: 'p' },
    spec: {
      sampling,
      load: { videosPerSecond: '1' },
      latencySLO: { p99Ms: 10_000 },
      stages: [{ name: 'a', sessionRef: { name: 'a' } }],
      ...spec,
    },
  };
}

test('a profile measured at the pipeline sampling sizes pods by its mean and the SLO share by 2 × its slowest', () => {
  const cost = ingestCostOf(
    pipeline({ sampling: { ...sampling, mode: 'keyframes' }, ingestProfile: profile }),
  );
  assert.equal(cost.cpuMillisPerVideo, 140);
  assert.equal(cost.latencyShareMs, 800);
  assert.match(cost.shareBasis, /2 × the slowest video of the ingestProfile, 400 ms CPU, av1 1080p/);
  assert.match(cost.costBasis, /mean of the ingestProfile, 12 video\(s\) measured at keyframes 16×224×224/);
});

test('without a matching profile the documented default of the sampling mode applies, and says why', () => {
  const none = ingestCostOf(pipeline({}));
  assert.equal(none.cpuMillisPerVideo, DEFAULT_INGEST_CPU_MILLIS.uniform);
  assert.equal(none.latencyShareMs, 2 * DEFAULT_INGEST_CPU_MILLIS.uniform);
  assert.match(none.shareBasis, /default 2000 ms CPU per video for uniform sampling, no ingestProfile/);
  // Measured at keyframes, but the pipeline now samples uniformly: stale, not used.
  const stale = ingestCostOf(pipeline({ ingestProfile: profile }));
  assert.equal(stale.cpuMillisPerVideo, DEFAULT_INGEST_CPU_MILLIS.uniform);
  assert.match(stale.costBasis, /the ingestProfile was measured at keyframes 16×224×224/);
  const keyframes = ingestCostOf(
    pipeline({ sampling: { ...sampling, mode: 'keyframes', frames: 8 }, ingestProfile: profile }),
  );
  assert.equal(keyframes.cpuMillisPerVideo, DEFAULT_INGEST_CPU_MILLIS.keyframes);
});

test('latencySLO.ingestAllowanceMs replaces the SLO share, not the pod sizing', () => {
  const cost = ingestCostOf(
    pipeline({
      sampling: { ...sampling, mode: 'keyframes' },
      ingestProfile: profile,
      latencySLO: { p99Ms: 10_000, ingestAllowanceMs: 1500 },
    }),
  );
  assert.equal(cost.latencyShareMs, 1500);
  assert.equal(cost.shareBasis, 'set by latencySLO.ingestAllowanceMs');
  assert.equal(cost.cpuMillisPerVideo, 140);
});
