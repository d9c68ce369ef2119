// The duty-cycle scheduler of a backend that hosts several sessions (DESIGN.md "The planner" step
// 5 and "The runtime"; Nexus, SOSP'19 §6.1): the plan gives the GPU a duty cycle d and each hosted
// session a batch b_i with Σ ℓ(b_i) ≤ d, so every session gets one turn per cycle and a request
// waits at most d for its turn, then ℓ(b_i) to run. Pure: the backend's device loop asks it which
// session goes next, given what each session's batcher (chooseBatch) wants right now.
// - One turn per session per cycle, round robin from the session after the last one that ran.
// - A session that had its turn waits for the next cycle while another session still owed a turn
//   has work queued (it is filling its batch): the plan reserved that device time for it.
// - The cycle ends when its time is up, or as soon as no session with work is owed a turn, so a
//   saturated backend (one session, d = ℓ(B)) runs its batches back to back and a light load does
//   not idle the device.
// - Expiring late requests costs no device time and happens whenever a batcher asks.
import type { BatchDecision } from './choose-batch.ts';

export interface CycleState {
  /** When the current cycle began, ms. */
  startMs: number;
  /** Per session: had its turn in this cycle. */
  ran: readonly boolean[];
  /** Where the round robin looks first. */
  next: number;
}

export interface SessionView {
  /** What the session's batcher wants now. */
  decision: BatchDecision;
  /** Requests queued (0 = nothing to do). */
  queued: number;
}

export type TurnDecision =
  | { action: 'run' | 'expire'; session: number; count: number }
  /** Nothing to do now; ask again after waitMs (undefined: when a request arrives). */
  | { action: 'wait'; waitMs: number | undefined };

export function initialCycle(sessions: number, nowMs: number): CycleState {
  return { startMs: nowMs, ran: Array.from({ length: sessions }, () => false), next: 0 };
}

function cycleOver(cycle: CycleState, sessions: readonly SessionView[], nowMs: number, dutyMs: number) {
  if (nowMs >= cycle.startMs + dutyMs) return true;
  return sessions.every((s, i) => cycle.ran[i] || s.queued === 0);
}

/**
 * The next turn, and the cycle state after it. `dutyCycleMs` ≤ 0 means no planned cycle: plain
 * round robin with every session's batch capped by its batcher.
 */
export function nextTurn(
  cycle: CycleState,
  sessions: readonly SessionView[],
  nowMs: number,
  dutyCycleMs: number,
): { turn: TurnDecision; cycle: CycleState } {
  const n = sessions.length;
  for (let i = 0; i < n; i++) {
    const d = sessions[i]!.decision;
    if (d.action === 'expire') return { turn: { action: 'expire', session: i, count: d.count }, cycle };
  }
  let current = cycle;
  if (current.ran.length !== n || cycleOver(current, sessions, nowMs, dutyCycleMs))
    current = {
      startMs: nowMs,
      ran: Array.from({ length: n }, () => false),
      next: current.next % Math.max(1, n),
    };
  let waitMs: number | undefined;
  let blocked = false;
  for (let k = 0; k < n; k++) {
    const i = (current.next + k) % n;
    const d = sessions[i]!.decision;
    if (d.action === 'idle') continue;
    if (current.ran[i]) {
      blocked = true;
      continue;
    }
    if (d.action === 'run') {
      const ran = current.ran.map((r, j) => r || j === i);
      return {
        turn: { action: 'run', session: i, count: d.count },
        cycle: { startMs: current.startMs, ran, next: (i + 1) % n },
      };
    }
    if (d.action === 'wait') waitMs = Math.min(waitMs ?? d.waitMs, d.waitMs);
  }
  if (blocked && dutyCycleMs > 0) {
    const untilCycleEnd = Math.max(0, current.startMs + dutyCycleMs - nowMs);
    waitMs = Math.min(waitMs ?? untilCycleEnd, untilCycleEnd);
  }
  return { turn: { action: 'wait', waitMs }, cycle: current };
}
