import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatchDecision } from './choose-batch.ts';
import { type CycleState, initialCycle, nextTurn, type SessionView } from './duty-cycle.ts';

const run = (count: number, queued = count): SessionView => ({
  decision: { action: 'run', count, late: false },
  queued,
});
const wait = (waitMs: number, queued = 1): SessionView => ({ decision: { action: 'wait', waitMs }, queued });
const idle: SessionView = { decision: { action: 'idle' }, queued: 0 };

/** Plays a backend whose sessions always want to run: which sessions get turns, in order. */
function play(
  sessions: number,
  dutyMs: number,
  batchMs: number[],
  turns: number,
): { order: number[]; at: number[] } {
  let cycle: CycleState = initialCycle(sessions, 0);
  let now = 0;
  const order: number[] = [];
  const at: number[] = [];
  while (order.length < turns) {
    const views = Array.from({ length: sessions }, () => run(4));
    const { turn, cycle: next } = nextTurn(cycle, views, now, dutyMs);
    cycle = next;
    if (turn.action === 'run') {
      order.push(turn.session);
      at.push(now);
      now += batchMs[turn.session]!;
    } else if (turn.action === 'wait') now += turn.waitMs ?? 1;
  }
  return { order, at };
}

test('sessions take one turn each per cycle, round robin', () => {
  assert.deepEqual(play(3, 100, [10, 20, 30], 6).order, [0, 1, 2, 0, 1, 2]);
});

test('a busy backend starts a cycle as soon as every session had its turn (back to back)', () => {
  // Σℓ = 60 < d = 100, but nobody waits for a turn: the next cycle begins at once.
  assert.deepEqual(play(3, 100, [10, 20, 30], 6).at, [0, 10, 30, 60, 70, 90]);
  // A saturated backend: one session, d = ℓ(B).
  assert.deepEqual(play(1, 50, [50], 3).at, [0, 50, 100]);
});

test('a session that had its turn waits while another is still filling its batch, until the cycle ends', () => {
  let cycle = initialCycle(2, 0);
  // Session 0 runs; session 1 has one request and waits 30 ms for more.
  let r = nextTurn(cycle, [run(4), wait(30)], 0, 100);
  assert.deepEqual(r.turn, { action: 'run', session: 0, count: 4 });
  cycle = r.cycle;
  // 10 ms later session 0 has work again, but session 1 is owed its turn: wait for it (20 ms).
  r = nextTurn(cycle, [run(4), wait(20)], 10, 100);
  assert.deepEqual(r.turn, { action: 'wait', waitMs: 20 });
  // Session 1 flushes: it runs, and the cycle is then over (both had a turn).
  r = nextTurn(r.cycle, [run(4), run(1)], 30, 100);
  assert.deepEqual(r.turn, { action: 'run', session: 1, count: 1 });
  r = nextTurn(r.cycle, [run(4), idle], 40, 100);
  assert.deepEqual(r.turn, { action: 'run', session: 0, count: 4 });
  // A session that keeps waiting past the cycle's end no longer holds the others.
  cycle = nextTurn(initialCycle(2, 0), [run(4), wait(500)], 0, 100).cycle;
  assert.deepEqual(nextTurn(cycle, [run(4), wait(490)], 10, 100).turn, { action: 'wait', waitMs: 90 });
  assert.deepEqual(nextTurn(cycle, [run(4), wait(400)], 100, 100).turn, {
    action: 'run',
    session: 0,
    count: 4,
  });
});

test('expiring late requests goes first and costs no turn', () => {
  const expire: SessionView = { decision: { action: 'expire', count: 2 } as BatchDecision, queued: 3 };
  const cycle = initialCycle(2, 0);
  const r = nextTurn(cycle, [run(4), expire], 0, 100);
  assert.deepEqual(r.turn, { action: 'expire', session: 1, count: 2 });
  assert.deepEqual(r.cycle, cycle);
});

test('without a planned cycle it is plain round robin; with nothing queued it waits for work', () => {
  assert.deepEqual(play(2, 0, [10, 10], 4).order, [0, 1, 0, 1]);
  assert.deepEqual(nextTurn(initialCycle(2, 0), [idle, idle], 0, 100).turn, {
    action: 'wait',
    waitMs: undefined,
  });
});
