// The discrete-event simulation of a planned cluster (pure, seeded). Videos arrive at each
// pipeline's source; ingest and every Kafka hop take the allowance the plan reserved for them; a
// video's messages land on one partition of every topic (the key is its videoId), and the pod
// whose consumers own that partition queues it. Each pod runs the runtime's own policies: per
// session the batcher (chooseBatch, with the latency fit it learns from what batches take), across
// sessions the duty-cycle scheduler (nextTurn); a batch takes the profiled ℓ(b) of the planned GPU
// (what --emulate-device-latency pads to). A session's queue is bounded as in the runtime; beyond
// it messages wait in Kafka in arrival order. Stages with fanOut f emit ⌊f⌋ or ⌈f⌉ messages (mean
// f); a join waits until every input stage has reported (with its items, or none), then runs once
// per item of its busiest input.

import { EventHeap } from '../operator/planner/event-heap.ts';
import { profiledLatencyMs } from '../runtime/backend/device-emulation.ts';
import {
  type BatchDecision,
  chooseBatch,
  DEFAULT_MAX_QUEUE_DELAY_MS,
} from '../runtime/batching/choose-batch.ts';
import { initialCycle, nextTurn } from '../runtime/batching/duty-cycle.ts';
import { fitLatency, recordLatency } from '../runtime/batching/latency-fit.ts';
import { type ArrivalPattern, arrivalProcess } from './arrivals.ts';
import type { SimModel } from './model.ts';
import { countAround, mulberry32, type Random } from './random.ts';
import { collectResults, type SimResult } from './results.ts';
import { type Item, type PodState, type SessionState, VideoState, Videos } from './sim-state.ts';

export interface SimOptions {
  durationS: number;
  arrivals: ArrivalPattern;
  /**
   * Offered load as a multiple of the pipeline's load (spec.load, status.target: the plan's
   * rates are that × peakFactor, so loadFactor = peakFactor asks whether the plan holds at its peak).
   */
  loadFactor: number;
  seed: number;
}

/** Measured batch latencies a session's fit keeps (the runtime's window, hosted-session.ts). */
const MAX_LATENCY_SAMPLES = 64;

type Event =
  | { kind: 'arrive'; atMs: number; pipeline: number }
  /** `counts`, for a join: how many items the emitting stage (`from`) produced for each video. */
  | {
      kind: 'deliver';
      atMs: number;
      pipeline: number;
      stage: number;
      videos: number[];
      from?: number;
      counts?: number[];
    }
  | { kind: 'done'; atMs: number; pod: number; session: SessionState; items: Item[] }
  | { kind: 'wake'; atMs: number; pod: number; token: number };

function insertByDeadline(queue: Item[], item: Item): void {
  let i = queue.length;
  while (i > 0 && queue[i - 1]!.deadlineMs > item.deadlineMs) i--;
  if (i === queue.length) queue.push(item);
  else queue.splice(i, 0, item);
}

export function simulate(model: SimModel, options: SimOptions): SimResult {
  const random: Random = mulberry32(options.seed);
  const durationMs = options.durationS * 1000;
  const graceMs = Math.max(0, ...model.pipelines.map((p) => p.sloMs));
  const endMs = durationMs + graceMs;
  const heap = new EventHeap<Event>();
  const videos = new Videos();
  /** Join stages, per (video, stage): which inputs reported (a bit per input), the most items. */
  const joins = new Map<number, { seen: number; items: number }>();
  const stageSlots = Math.max(1, ...model.pipelines.map((p) => p.stages.length));
  const sessions: SessionState[] = model.sessions.map((spec) => ({
    spec,
    queue: [],
    backlog: [],
    backlogHead: 0,
    samples: [],
    fit: fitLatency(spec.profile),
    arrivals: 0,
    batches: 0,
    items: 0,
    capacity: 0,
    deadlineMisses: 0,
  }));
  const pods: PodState[] = model.pods.map((p) => ({
    busy: false,
    busyMs: 0,
    cycle: initialCycle(p.sessions.length, 0),
    wakeToken: 0,
    wakeAtMs: Number.POSITIVE_INFINITY,
    views: p.sessions.map(() => ({ decision: { action: 'idle' } as BatchDecision, queued: 0 })),
    sessions: p.sessions.map((id) => sessions[id]!),
  }));
  const processes = model.pipelines.map((p) =>
    arrivalProcess(options.arrivals, p.targetVps * options.loadFactor, random),
  );
  // An arrival event fires when the video's messages reach its entry stages (after ingest and
  // one hop, constant per pipeline, so arrival order is kept): one event per video, not two.
  const entryDelayMs = model.pipelines.map((p) => p.ingestMs + p.hopMs);
  const entryStages = model.pipelines.map((p) =>
    p.stages.flatMap((s, i) => (s.upstream.length === 0 ? [i] : [])),
  );
  model.pipelines.forEach((_, i) => {
    const first = processes[i]!.next(0);
    if (first <= durationMs) heap.push({ kind: 'arrive', atMs: first + entryDelayMs[i]!, pipeline: i });
  });

  const fail = (video: number) => {
    if (videos.state[video] === VideoState.Active) {
      videos.state[video] = VideoState.Failed;
      videos.doneAtMs[video] = Number.NaN;
    }
  };
  const settle = (video: number, nowMs: number) => {
    if (videos.open[video] === 0 && videos.state[video] === VideoState.Active) {
      videos.state[video] = VideoState.Done;
      videos.doneAtMs[video] = nowMs;
    }
  };
  const refill = (s: SessionState) => {
    while (s.queue.length < s.spec.queueCapacity && s.backlogHead < s.backlog.length) {
      insertByDeadline(s.queue, s.backlog[s.backlogHead++]!);
      if (s.backlogHead > 4096 && s.backlogHead * 2 > s.backlog.length) {
        s.backlog = s.backlog.slice(s.backlogHead);
        s.backlogHead = 0;
      }
    }
  };
  const decide = (s: SessionState, nowMs: number): BatchDecision =>
    chooseBatch({
      queue: s.queue,
      nowMs,
      plannedBatch: s.spec.batchCap,
      latencyFit: s.fit,
      maxQueueDelayMs: DEFAULT_MAX_QUEUE_DELAY_MS,
      latePolicy: s.spec.latePolicy,
    });

  /** The pod's device loop, one decision at a time (runtime/backend/backend.ts step()). */
  const step = (podIndex: number, nowMs: number) => {
    const pod = pods[podIndex]!;
    const dutyMs = model.pods[podIndex]!.dutyCycleMs;
    const views = pod.views;
    for (;;) {
      for (let k = 0; k < views.length; k++) {
        const s = pod.sessions[k]!;
        views[k] = { decision: decide(s, nowMs), queued: s.queue.length };
      }
      const chosen = nextTurn(pod.cycle, views, nowMs, dutyMs);
      pod.cycle = chosen.cycle;
      const turn = chosen.turn;
      if (turn.action === 'wait') {
        const atMs = turn.waitMs === undefined ? Number.POSITIVE_INFINITY : nowMs + turn.waitMs;
        // Each arrival re-decides; only an earlier wake than the pending one needs an event.
        if (atMs < pod.wakeAtMs) {
          pod.wakeAtMs = atMs;
          heap.push({ kind: 'wake', atMs, pod: podIndex, token: ++pod.wakeToken });
        }
        return;
      }
      const session = pod.sessions[turn.session]!;
      const taken = session.queue.splice(0, turn.count);
      refill(session);
      if (turn.action === 'expire') {
        for (const item of taken) {
          session.deadlineMisses++;
          videos.open[item.video]!--;
          fail(item.video);
        }
        continue;
      }
      const latencyMs = profiledLatencyMs(session.spec.profile, taken.length);
      session.samples = recordLatency(
        session.samples,
        { batchSize: taken.length, latencyMs },
        MAX_LATENCY_SAMPLES,
      );
      // As the runtime's HostedSession: the profile seeds the fit until two sizes were measured.
      const first = session.samples[0]!.batchSize;
      const measuredTwo = session.samples.some((x) => x.batchSize !== first);
      session.fit = fitLatency(measuredTwo ? session.samples : [...session.spec.profile, ...session.samples]);
      session.batches++;
      session.items += taken.length;
      session.capacity += session.spec.batchCap;
      pod.busy = true;
      pod.wakeAtMs = Number.POSITIVE_INFINITY;
      pod.wakeToken++;
      pod.busyMs += Math.max(0, Math.min(nowMs + latencyMs, durationMs) - Math.min(nowMs, durationMs));
      heap.push({ kind: 'done', atMs: nowMs + latencyMs, pod: podIndex, session, items: taken });
      return;
    }
  };

  /**
   * A join hears once from each input per video (with its items, or the news there are none) and
   * then runs once per item of its busiest input, as the planner plans a join's rate (the largest
   * of its inputs' rates).
   */
  const joinReport = (
    pipelineIndex: number,
    stageIndex: number,
    from: number,
    video: number,
    count: number,
    nowMs: number,
  ) => {
    const stage = model.pipelines[pipelineIndex]!.stages[stageIndex]!;
    const key = video * stageSlots + stageIndex;
    const join = joins.get(key) ?? { seen: 0, items: 0 };
    videos.open[video]!--;
    join.seen |= 1 << Math.max(0, stage.upstream.indexOf(from));
    join.items = Math.max(join.items, count);
    if (join.seen !== (1 << stage.upstream.length) - 1) {
      joins.set(key, join);
      return;
    }
    joins.delete(key);
    for (let j = 0; j < join.items; j++) {
      videos.open[video]!++;
      enqueue(pipelineIndex, stageIndex, video, nowMs);
    }
    settle(video, nowMs);
  };

  const enqueue = (pipelineIndex: number, stageIndex: number, video: number, nowMs: number) => {
    const stage = model.pipelines[pipelineIndex]!.stages[stageIndex]!;
    const sessionId = stage.owners[videos.partition[video]!]!;
    if (sessionId < 0) {
      // No pod reads this partition (a stage the plan gave no backend): the video cannot finish.
      videos.open[video]!--;
      fail(video);
      return;
    }
    const s = sessions[sessionId]!;
    if (nowMs <= durationMs) s.arrivals++;
    const item = {
      video,
      deadlineMs: videos.ingestedAtMs[video]! + stage.deadlineOffsetMs,
      enqueuedAtMs: nowMs,
    };
    if (s.queue.length < s.spec.queueCapacity && s.backlogHead === s.backlog.length)
      insertByDeadline(s.queue, item);
    else s.backlog.push(item);
    if (!pods[s.spec.pod]!.busy) step(s.spec.pod, nowMs);
  };

  /** A finished item of `stage`: its messages go on to the downstream stages after one hop. */
  const emit = (pipelineIndex: number, stageIndex: number, videosDone: readonly number[], nowMs: number) => {
    const pipeline = model.pipelines[pipelineIndex]!;
    const stage = pipeline.stages[stageIndex]!;
    if (stage.downstream.length === 0) {
      for (const v of videosDone) {
        videos.open[v]!--;
        settle(v, nowMs);
      }
      return;
    }
    const out = stage.downstream.map(() => ({ videos: [] as number[], counts: [] as number[] }));
    for (const v of videosDone) {
      const k = stage.fanOut === 1 ? 1 : countAround(random, stage.fanOut);
      stage.downstream.forEach((d, i) => {
        if (pipeline.stages[d]!.upstream.length > 1) {
          // One report to the join, carrying the count.
          videos.open[v]!++;
          out[i]!.videos.push(v);
          out[i]!.counts.push(k);
          return;
        }
        videos.open[v]! += k;
        for (let j = 0; j < k; j++) out[i]!.videos.push(v);
      });
      videos.open[v]!--;
      settle(v, nowMs);
    }
    stage.downstream.forEach((d, i) => {
      const batch = out[i]!;
      if (batch.videos.length === 0) return;
      const join = pipeline.stages[d]!.upstream.length > 1;
      heap.push({
        kind: 'deliver',
        atMs: nowMs + pipeline.hopMs,
        pipeline: pipelineIndex,
        stage: d,
        videos: batch.videos,
        ...(join ? { from: stageIndex, counts: batch.counts } : {}),
      });
    });
  };

  for (let event = heap.pop(); event && event.atMs <= endMs; event = heap.pop()) {
    const nowMs = event.atMs;
    switch (event.kind) {
      case 'arrive': {
        const pipeline = model.pipelines[event.pipeline]!;
        const arrivedAtMs = nowMs - entryDelayMs[event.pipeline]!;
        const next = processes[event.pipeline]!.next(arrivedAtMs);
        if (next <= durationMs)
          heap.push({ kind: 'arrive', atMs: next + entryDelayMs[event.pipeline]!, pipeline: event.pipeline });
        const video = videos.add(event.pipeline, arrivedAtMs, Math.floor(random() * pipeline.partitions));
        const entry = entryStages[event.pipeline]!;
        videos.open[video] = entry.length;
        for (const stage of entry) enqueue(event.pipeline, stage, video, nowMs);
        break;
      }
      case 'deliver':
        if (event.counts) {
          const counts = event.counts;
          event.videos.forEach((v, i) => {
            joinReport(event.pipeline, event.stage, event.from ?? -1, v, counts[i]!, nowMs);
          });
        } else for (const v of event.videos) enqueue(event.pipeline, event.stage, v, nowMs);
        break;
      case 'done': {
        const pod = pods[event.pod]!;
        pod.busy = false;
        const { spec } = event.session;
        const finished: number[] = [];
        for (const item of event.items) {
          if (nowMs > item.deadlineMs) event.session.deadlineMisses++;
          if (videos.state[item.video] === VideoState.Failed) {
            videos.open[item.video]!--;
            continue;
          }
          finished.push(item.video);
        }
        emit(spec.pipeline, spec.stage, finished, nowMs);
        step(event.pod, nowMs);
        break;
      }
      case 'wake': {
        const pod = pods[event.pod]!;
        if (event.token !== pod.wakeToken) break;
        pod.wakeAtMs = Number.POSITIVE_INFINITY;
        if (!pod.busy) step(event.pod, nowMs);
        break;
      }
    }
  }
  return collectResults(model, { videos, sessions, pods, durationMs, endMs, loadFactor: options.loadFactor });
}
