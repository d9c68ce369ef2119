// Squishy bin packing of residual loads (Nexus, SOSP'19, §6.1 Algorithm 1), plus a memory check
// that Nexus's released scheduler never made. A GPU runs each hosted session once per duty cycle
// d, round robin; a session with rate r then needs batch ⌈d·r⌉, and a request waits at most d for
// its turn and ℓ(b) to run: d + ℓ(b) must fit the stage budget.
import { batchForItems, fillMicros, roundsWithin, STEADY, usableItems } from './headroom.ts';
import type { Placement, PlannedGpu, StageTask } from './saturate.ts';

interface Residual {
  task: StageTask;
  rateVps: number;
  /** Duty cycle alone, µs. */
  dutyMicros: number;
  occupancy: number;
}

interface OpenGpu {
  dutyMicros: number;
  members: Residual[];
  batches: number[];
  occupancy: number;
  /** Σℓ of the members' batches per duty cycle, and Σ their memory. */
  busyMicros: number;
  memoryMiB: number;
  /** Σ of the members' fastest batch latencies: a floor on their busy time at any duty cycle. */
  floorMicros: number;
}

const MICROS_PER_SECOND = 1e6;
/** Slack for float noise in d·r when it is an integer on paper. */
const BATCH_EPSILON = 1e-9;

/**
 * The residual alone on a GPU: the largest b with b/r + ℓ(b) ≤ budget (and ℓ(b) ≤ b/r, so it can
 * keep up); if none, the lowest-occupancy b with d = budget − ℓ(b) (a light session need not wait
 * for a full batch). `undefined` when no batch can serve the rate within the budget.
 */
export function alone(task: StageTask, rateVps: number): Residual | undefined {
  const { profile } = task;
  const budgetMicros = task.budgetMs * 1000;
  const perMicro = rateVps / MICROS_PER_SECOND;
  for (let b = profile.maxBatch; b >= 1; b--) {
    const l = profile.latencyMicros[b]!;
    // Duty cycles are whole microseconds (floored: a shorter cycle only adds capacity).
    const fill = fillMicros(b, l, perMicro, budgetMicros, task.arrivals);
    if (fill > 0 && l <= fill) {
      return { task, rateVps, dutyMicros: fill, occupancy: l / fill };
    }
  }
  let best: Residual | undefined;
  for (let b = 1; b <= profile.maxBatch; b++) {
    const l = profile.latencyMicros[b]!;
    const duty = Math.floor(Math.min(usableItems(b, 1, task.arrivals) / perMicro, budgetMicros - l));
    if (duty <= 0 || l > duty) continue;
    const occupancy = l / duty;
    if (!best || occupancy <= best.occupancy) best = { task, rateVps, dutyMicros: duty, occupancy };
  }
  return best;
}

/** ℓ of the residual's fastest batch (its floor at any duty cycle). */
const fastestMicros = (r: Residual): number =>
  r.task.profile.latencyMicros[r.task.profile.batchesByLatency[0]!]!;

/**
 * The smallest batch that carries the residual's arrivals per cycle at `dutyMicros`, with the
 * rounds of waiting its budget allows at that batch's latency (maxBatch + 1 when none does).
 */
export function batchFor(task: StageTask, rateVps: number, dutyMicros: number): number {
  const items = (dutyMicros * rateVps) / MICROS_PER_SECOND - BATCH_EPSILON;
  const { profile, arrivals } = task;
  const steady = batchForItems(items, STEADY);
  // Steady arrivals: ⌈d·r⌉; the caller checks that it fits the budget.
  if (arrivals.burst <= 0) return steady;
  const budgetMicros = task.budgetMs * 1000;
  for (let b = Math.min(steady, profile.maxBatch); b <= profile.maxBatch; b++) {
    const rounds = roundsWithin(budgetMicros, profile.latencyMicros[b]!, dutyMicros);
    if (rounds < 1) break;
    if (usableItems(b, rounds, arrivals) >= items) return b;
  }
  return profile.maxBatch + 1;
}

/**
 * The GPU that hosting `members` would make, or undefined if infeasible. Pieces of one stage
 * (host-pack.ts splits a stage's rate) never share a GPU: one backend hosts a session once.
 */
function merge(members: Residual[], gpuMemoryMiB: number): OpenGpu | undefined {
  let dutyMicros = Number.POSITIVE_INFINITY;
  for (const m of members) dutyMicros = Math.min(dutyMicros, m.dutyMicros);
  const last = members[members.length - 1];
  if (last && members.some((m) => m !== last && m.task === last.task)) return undefined;
  let busyMicros = 0;
  let memoryMiB = 0;
  const batches: number[] = [];
  for (const m of members) {
    const { profile } = m.task;
    const b = batchFor(m.task, m.rateVps, dutyMicros);
    if (b > profile.maxBatch) return undefined;
    const l = profile.latencyMicros[b]!;
    if (dutyMicros + l > m.task.budgetMs * 1000) return undefined;
    busyMicros += l;
    memoryMiB += profile.memoryMiB[b]!;
    batches.push(b);
  }
  if (busyMicros > dutyMicros || memoryMiB > gpuMemoryMiB) return undefined;
  const floorMicros = members.reduce((n, m) => n + fastestMicros(m), 0);
  return {
    dutyMicros,
    members,
    batches,
    occupancy: busyMicros / dutyMicros,
    busyMicros,
    memoryMiB,
    floorMicros,
  };
}

function toPlannedGpu(gpu: OpenGpu): PlannedGpu {
  const placements: Placement[] = gpu.members.map((m, i) => ({
    task: m.task,
    batchSize: gpu.batches[i]!,
    rateVps: m.rateVps,
  }));
  return { dutyCycleMicros: gpu.dutyMicros, placements, saturated: false };
}

/**
 * The GPU that hosting exactly these residuals would make (shortest duty cycle among them, each
 * batch ⌈d·r⌉), or undefined when that is infeasible: how a re-plan checks that a backend group it
 * would like to keep still works at the new rates (stable-pack.ts).
 */
export function mergeResiduals(
  residuals: { task: StageTask; rateVps: number }[],
  gpuMemoryMiB: number,
): PlannedGpu | undefined {
  const members: Residual[] = [];
  for (const { task, rateVps } of residuals) {
    const r = rateVps > 0 ? alone(task, rateVps) : undefined;
    if (!r) return undefined;
    members.push(r);
  }
  const merged = members.length > 0 ? merge(members, gpuMemoryMiB) : undefined;
  return merged && toPlannedGpu(merged);
}

export type PackResult = { ok: true; gpus: PlannedGpu[] } | { ok: false; message: string };

/** Orders to try, Nexus's first: heaviest by occupancy alone; then shortest duty, then tightest budget. */
const ORDERS: ((a: Residual, b: Residual) => number)[] = [
  (a, b) => b.occupancy - a.occupancy,
  (a, b) => a.dutyMicros - b.dutyMicros || b.occupancy - a.occupancy,
  (a, b) => a.task.budgetMs - b.task.budgetMs || b.occupancy - a.occupancy,
];

/**
 * The occupancy `gpu` would have with `item` added, or undefined if infeasible: what merge() would
 * say, without building the GPU. When the item's duty cycle is no shorter than the GPU's (the
 * common case once the heavy residuals are placed), the others' batches stay as they are and only
 * the item is checked: O(1) instead of O(members), which keeps packing thousands of residuals fast.
 */
function occupancyWith(
  gpu: OpenGpu,
  item: Residual,
  gpuMemoryMiB: number,
  pieces: boolean,
): number | undefined {
  // Only a stage split into pieces (host-pack.ts) can meet itself; others skip the scan.
  if (pieces && gpu.members.some((m) => m.task === item.task)) return undefined;
  const { profile } = item.task;
  if (item.dutyMicros >= gpu.dutyMicros) {
    // Cheapest batch first: no room for it, no room for any.
    if (gpu.busyMicros + profile.latencyMicros[profile.batchesByLatency[0]!]! > gpu.dutyMicros)
      return undefined;
    const d = gpu.dutyMicros;
    const b = batchFor(item.task, item.rateVps, d);
    if (b > profile.maxBatch) return undefined;
    const l = profile.latencyMicros[b]!;
    if (d + l > item.task.budgetMs * 1000) return undefined;
    const busy = gpu.busyMicros + l;
    if (busy > d || gpu.memoryMiB + profile.memoryMiB[b]! > gpuMemoryMiB) return undefined;
    return busy / d;
  }
  // A shorter duty cycle: every member's batch is recomputed at it (they only shrink), unless even
  // their fastest batches cannot fit it.
  const d = item.dutyMicros;
  if (gpu.floorMicros + fastestMicros(item) > d) return undefined;
  let busy = 0;
  let memory = 0;
  for (const m of [...gpu.members, item]) {
    const p = m.task.profile;
    const b = batchFor(m.task, m.rateVps, d);
    if (b > p.maxBatch) return undefined;
    const l = p.latencyMicros[b]!;
    busy += l;
    if (busy > d || d + l > m.task.budgetMs * 1000) return undefined;
    memory += p.memoryMiB[b]!;
  }
  return memory > gpuMemoryMiB ? undefined : busy / d;
}

function packInOrder(items: Residual[], gpuMemoryMiB: number): OpenGpu[] | string {
  const open: OpenGpu[] = [];
  const pieces = new Set(items.map((i) => i.task)).size < items.length;
  for (const item of items) {
    let bestIndex = -1;
    let bestOccupancy = -1;
    for (let i = 0; i < open.length; i++) {
      const occupancy = occupancyWith(open[i]!, item, gpuMemoryMiB, pieces);
      if (occupancy !== undefined && occupancy > bestOccupancy) {
        bestOccupancy = occupancy;
        bestIndex = i;
      }
    }
    if (bestIndex >= 0) open[bestIndex] = merge([...open[bestIndex]!.members, item], gpuMemoryMiB)!;
    else {
      const single = merge([item], gpuMemoryMiB);
      if (!single) return `stage ${item.task.stage} does not fit one GPU alone`;
      open.push(single);
    }
  }
  return open;
}

/**
 * Packs residual rates onto as few GPUs as it can: in a given order, each residual goes into the
 * open GPU where the merge is feasible and the merged occupancy highest, else a new GPU (Nexus's
 * Algorithm 1 uses occupancy order). The greedy result depends on the order, so a few fixed orders
 * are tried and the fewest GPUs kept (first order wins ties: still deterministic).
 */
export function squishyPack(
  residuals: { task: StageTask; rateVps: number }[],
  gpuMemoryMiB: number,
  options: { nexusOrderOnly?: boolean } = {},
): PackResult {
  const items: Residual[] = [];
  for (const { task, rateVps } of residuals) {
    if (rateVps <= 0) continue;
    const r = alone(task, rateVps);
    if (!r) {
      return { ok: false, message: `stage ${task.stage} cannot serve ${rateVps.toFixed(3)}/s alone` };
    }
    items.push(r);
  }
  const byKey = (a: Residual, b: Residual) =>
    a.task.key < b.task.key ? -1 : a.task.key > b.task.key ? 1 : 0;
  let open: OpenGpu[] | undefined;
  for (const order of options.nexusOrderOnly ? ORDERS.slice(0, 1) : ORDERS) {
    const packed = packInOrder(
      [...items].sort((a, b) => order(a, b) || byKey(a, b)),
      gpuMemoryMiB,
    );
    if (typeof packed === 'string') return { ok: false, message: packed };
    if (!open || packed.length < open.length) open = packed;
  }
  return { ok: true, gpus: (open ?? []).map(toPlannedGpu) };
}
