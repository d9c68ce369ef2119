import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';
import { loadManifests } from './manifests.ts';
import { textPipeline, textSessions } from './text-pipeline.test-support.ts';
import { crossObjectProblem, inventoryFromNodes, toPlanRequest } from './to-planner.ts';

const sampleDir = new URL('../../samples/video-classifier/', import.meta.url).pathname;
const load = () => loadManifests([sampleDir]);

test('the sample becomes a PlanRequest with defaults and videosPerDay in videos per second', () => {
  const m = load();
  const nodes = inventoryFromNodes(m.nodes);
  const req = toPlanRequest(m.pipelines[0]!, m.sessions, nodes, { 'NVIDIA-T4': 2 });
  const p = req.pipeline;
  assert.equal(p.name, 'video-classifier');
  assert.equal(p.namespace, 'default');
  assert.ok(Math.abs(p.videosPerSecond - 500000 / 86400) < 1e-12);
  assert.equal(p.peakFactor, 2);
  assert.equal(p.sloMs, 10000);
  // The sample's ingestProfile: 2 × its slowest video (14 ms), pods sized by its mean (9 ms).
  assert.equal(p.ingestAllowanceMs, 28);
  assert.equal(p.ingestCost?.cpuMillisPerVideo, 9);
  assert.equal(p.hopAllowanceMs, 50);
  assert.deepEqual(
    p.stages.map((s) => [s.name, s.session, s.inputs, s.fanOut]),
    [
      ['scene', 'scene-classifier', ['source'], 1],
      ['motion', 'motion-detector', ['source'], 1],
      ['fusion', 'fusion-classifier', ['scene', 'motion'], 1],
    ],
  );
  assert.deepEqual(p.nodeSelector, {});
  assert.equal(p.dedicatedGpus, undefined, 'shares GPUs by default');
  const dedicated = structuredClone(m.pipelines[0]!) as VideoPipeline;
  dedicated.spec.placement = { dedicatedGpus: true };
  assert.equal(toPlanRequest(dedicated, m.sessions, nodes).pipeline.dedicatedGpus, true);
  assert.deepEqual(req.usedGpus, { 'NVIDIA-T4': 2 });
  assert.equal(req.nodes.length, 4);
  const scene = req.sessions.find((s) => s.name === 'scene-classifier')!;
  assert.equal(scene.maxBatchSize, 32);
  assert.equal(scene.gpuMemoryMiB, 5000);
  assert.deepEqual(
    scene.profiles.map((x) => x.gpuProduct),
    ['NVIDIA-A100-SXM4-80GB', 'NVIDIA-T4', 'cpu'],
  );
});

test('measured profiles in status override given ones; sessions of other namespaces are left out', () => {
  const m = load();
  const s = structuredClone(m.sessions[0]!) as ModelSession;
  s.status = { profiles: [{ gpuProduct: 'cpu', points: [{ batchSize: 4, latencyMicros: 123 }] }] };
  const other = structuredClone(m.sessions[1]!) as ModelSession;
  other.metadata.namespace = 'elsewhere';
  const req = toPlanRequest(m.pipelines[0]!, [s, other], []);
  assert.equal(req.sessions.length, 1);
  assert.deepEqual(
    req.sessions[0]!.profiles.find((p) => p.gpuProduct === 'cpu'),
    { gpuProduct: 'cpu', points: [{ batchSize: 4, latencyMicros: 123 }] },
  );
});

test('videosPerSecond quantities and fanOut are parsed', () => {
  const m = load();
  const vp = structuredClone(m.pipelines[0]!) as VideoPipeline;
  vp.spec.load = { videosPerSecond: '5790m', peakFactor: '1.5' };
  vp.spec.stages[0]!.fanOut = '3';
  const p = toPlanRequest(vp, m.sessions, []).pipeline;
  assert.equal(p.videosPerSecond, 5.79);
  assert.equal(p.peakFactor, 1.5);
  assert.equal(p.stages[0]!.fanOut, 3);
});

test('cross-object problems: too many frames, frames model fed by stages, join model fed by source', () => {
  const m = load();
  const vp = m.pipelines[0]!;
  assert.equal(crossObjectProblem(vp, m.sessions), undefined);
  const greedy = structuredClone(m.sessions) as ModelSession[];
  greedy.find((s) => s.metadata.name === 'scene-classifier')!.spec.input.frames = 16;
  assert.match(
    crossObjectProblem(vp, greedy)?.message ?? '',
    /stage scene: ModelSession scene-classifier wants input.frames 16, more than the pipeline's sampling.frames 8/,
  );
  const swapped = structuredClone(vp) as VideoPipeline;
  swapped.spec.stages[2]!.sessionRef!.name = 'scene-classifier';
  const explicit = structuredClone(m.sessions) as ModelSession[];
  explicit.find((s) => s.metadata.name === 'scene-classifier')!.spec.input.source = 'frames';
  assert.match(
    crossObjectProblem(swapped, explicit)?.message ?? '',
    /stage fusion: ModelSession scene-classifier reads frames \(input.source: frames\), but the stage's inputs are other stages/,
  );
  const joinFirst = structuredClone(vp) as VideoPipeline;
  joinFirst.spec.stages[0]!.sessionRef!.name = 'fusion-classifier';
  assert.match(crossObjectProblem(joinFirst, m.sessions)?.message ?? '', /input is source/);
  const mixed = structuredClone(vp) as VideoPipeline;
  mixed.spec.stages[2]!.inputs = ['scene', 'source'];
  assert.match(crossObjectProblem(mixed, m.sessions)?.message ?? '', /reads both source and other stages/);
});

test('input.source absent: inferred from the wiring, never InputMismatch', () => {
  const m = load();
  const vp = m.pipelines[0]!;
  // A join model written to API.md alone: no input.source.
  const bare = structuredClone(m.sessions) as ModelSession[];
  const fusion = bare.find((s) => s.metadata.name === 'fusion-classifier')!;
  delete fusion.spec.input.source;
  assert.equal(crossObjectProblem(vp, bare), undefined);
  // The scene model serves a frame stage and a join: two stages, each its own input.
  const both = structuredClone(vp) as VideoPipeline;
  both.spec.stages[2]!.sessionRef!.name = 'scene-classifier';
  assert.equal(crossObjectProblem(both, m.sessions), undefined);
});

test('a detect → read → gather pipeline: the gather is not planned; fan-out rules between objects', () => {
  const sessions = textSessions();
  const vp = textPipeline();
  assert.equal(crossObjectProblem(vp, sessions), undefined);
  const p = toPlanRequest(vp, sessions, []).pipeline;
  assert.deepEqual(
    p.stages.map((s) => [s.name, s.inputs, s.fanOut]),
    [
      ['detect', ['source'], 6],
      ['read', ['detect'], 1],
    ],
  );
  const problem = (edit: (vp: VideoPipeline, ss: ModelSession[]) => void) => {
    const v = structuredClone(vp);
    const ss = structuredClone(sessions);
    edit(v, ss);
    return crossObjectProblem(v, ss)?.message ?? '';
  };
  const recognizer = (ss: ModelSession[]) => ss.find((s) => s.metadata.name === 'text-recognizer')!;
  assert.match(
    problem((_, ss) => {
      delete recognizer(ss).spec.output!.decoder;
      delete recognizer(ss).spec.output!.ctcText;
    }),
    /stage collect merges textLines, but its input read does not read text/,
  );
  assert.match(
    problem((_, ss) => {
      ss.find((s) => s.metadata.name === 'text-detector')!.spec.output = {};
    }),
    /stage collect gathers items, but its input is not after a fan-out/,
  );
  assert.match(
    problem((v) => {
      v.spec.stages.pop();
    }),
    /stage read runs once per item of detect, but nothing gathers its items/,
  );
  assert.match(
    problem((_, ss) => {
      recognizer(ss).spec.input.frames = 2;
    }),
    /stage read reads one item's region of one frame: its ModelSession's input.frames must be 1, not 2/,
  );
  assert.match(
    problem((v) => {
      v.spec.stages.splice(1, 0, {
        name: 'also',
        sessionRef: { name: 'text-recognizer' },
        inputs: ['detect'],
      });
      v.spec.stages[2]!.inputs = ['detect', 'also'];
    }),
    /stage read joins stages after the fan-out of detect/,
  );
  assert.match(
    problem((_, ss) => {
      recognizer(ss).spec.output = { decoder: 'dbText' };
    }),
    /stage read fans out again after detect/,
  );
});
