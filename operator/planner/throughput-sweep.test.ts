import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linearSession } from './fixtures.test-support.ts';
import { poissonArrivals } from './headroom.ts';
import { bestThroughputVps, buildProfile, saturatedBatch } from './profile.ts';
import { throughputGrid } from './throughput-sweep.ts';

test("the sweep gives the scan's best usable throughput and batch at every step of a grid", () => {
  const sessions = [
    linearSession('light', 'A100', 2, 0.5, 64),
    linearSession('heavy', 'A100', 40, 12, 32),
    linearSession('flat', 'A100', 100, 0.1, 64),
    linearSession('unbatched', 'A100', 300, 0, 1),
  ];
  const arrivals = [poissonArrivals(1, 1), poissonArrivals(1, 5), poissonArrivals(8, 2)];
  for (const session of sessions) {
    const built = buildProfile(session, 'A100', 80_000);
    assert.ok(built.ok);
    for (const a of arrivals) {
      for (const usableMs of [50, 997, 4000]) {
        const steps = 500;
        const msAt = (k: number) => Math.floor((k * usableMs) / steps);
        const grid = throughputGrid(built.profile, a, steps, msAt);
        for (let k = 0; k <= steps; k++) {
          const micros = msAt(k) * 1000;
          const where = `${session.name} ${JSON.stringify(a)} at ${msAt(k)} ms`;
          assert.equal(grid.throughputVps[k], bestThroughputVps(built.profile, micros, a), where);
          assert.equal(grid.batch[k], saturatedBatch(built.profile, micros, a), where);
        }
      }
    }
  }
});
