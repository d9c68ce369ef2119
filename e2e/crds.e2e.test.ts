// The CRDs in crds/ enforce API.md's Validation section in the API server itself: the samples are
// accepted, and each invalid variant is rejected (server-side dry run) with the message a user
// reads from kubectl. Uses $KUBECONFIG when set, else starts its own cluster.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import type { KubernetesCluster } from './env/k8s/cluster.ts';
import { installCrds } from './env/k8s/crds.ts';
import { kubeConfigOrOwnCluster } from './support/own-cluster.ts';

const ROOT = join(import.meta.dirname, '..');
const SAMPLE_DIR = join(ROOT, 'samples', 'video-classifier');
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown>;
}

type Path = readonly (string | number)[];
/** One invalid variant of a sample: spec edits (value undefined = delete), and what the user reads. */
interface Case {
  kind: 'VideoPipeline' | 'ModelSession';
  name: string;
  edits: readonly [Path, unknown][];
  path: string;
  message: RegExp;
}

const REQUIRED = /Required value/;
const AT_LEAST_1 = /should be greater than or equal to 1/;
const POSITIVE_QUANTITY = /must be a positive quantity string/;
const unsupported = (value: string) => new RegExp(`Unsupported value: "${value}"`);
const vp = (name: string, edits: Case['edits'], path: string, message: RegExp): Case => ({
  kind: 'VideoPipeline',
  name,
  edits,
  path,
  message,
});
const ms = (name: string, edits: Case['edits'], path: string, message: RegExp): Case => ({
  kind: 'ModelSession',
  name,
  edits,
  path,
  message,
});

// API.md, Validation: missing required fields, both or neither of videosPerSecond/videosPerDay,
// duplicate stage names, an input naming an unknown stage, no stages, negative or zero numbers,
// quantity strings that do not parse, values outside an enum (layout, executionProvider); plus the
// other rules the CRDs carry. Bases: samples/video-classifier (videosPerDay; stages scene, motion,
// fusion with inputs [scene, motion]).
const INVALID_CASES: readonly Case[] = [
  vp('missing sampling', [[['sampling'], undefined]], 'spec.sampling', REQUIRED),
  vp('missing latencySLO.p99Ms', [[['latencySLO', 'p99Ms'], undefined]], 'spec.latencySLO.p99Ms', REQUIRED),
  vp(
    'stage without sessionRef or gather',
    [[['stages', 0, 'sessionRef'], undefined]],
    'spec.stages[0]',
    /a stage either runs a model \(sessionRef\) or gathers items \(gather\): exactly one of the two/,
  ),
  vp(
    'gather fed by the source',
    [
      [['stages', 0, 'sessionRef'], undefined],
      [['stages', 0, 'gather'], { merge: 'textLines' }],
      [['stages', 0, 'inputs'], ['source']],
    ],
    'spec.stages[0]',
    /a gather stage has exactly one input, a stage after a fan-out/,
  ),
  vp(
    'both videosPerSecond and videosPerDay',
    [[['load', 'videosPerSecond'], '5.79']],
    'spec.load',
    /exactly one of load\.videosPerSecond and load\.videosPerDay must be set/,
  ),
  vp(
    'neither videosPerSecond nor videosPerDay',
    [[['load', 'videosPerDay'], undefined]],
    'spec.load',
    /exactly one of load\.videosPerSecond and load\.videosPerDay must be set/,
  ),
  vp(
    'duplicate stage names',
    [[['stages', 1, 'name'], 'scene']],
    'spec.stages',
    /stage names must be unique/,
  ),
  vp(
    'input naming an unknown stage',
    [
      [
        ['stages', 2, 'inputs'],
        ['scene', 'objects'],
      ],
    ],
    'spec.stages',
    /every stage input must name another stage or source/,
  ),
  vp(
    'a stage as its own input',
    [
      [
        ['stages', 2, 'inputs'],
        ['scene', 'fusion'],
      ],
    ],
    'spec.stages[2]',
    /a stage cannot be its own input/,
  ),
  vp(
    'a stage named source',
    [[['stages', 0, 'name'], 'source']],
    'spec.stages[0].name',
    /source is reserved and cannot be a stage name/,
  ),
  vp('no stages', [[['stages'], []]], 'spec.stages', /should have at least 1 items/),
  vp('zero p99Ms', [[['latencySLO', 'p99Ms'], 0]], 'spec.latencySLO.p99Ms', AT_LEAST_1),
  vp('negative videosPerDay', [[['load', 'videosPerDay'], -5]], 'spec.load.videosPerDay', AT_LEAST_1),
  vp('zero sampling.frames', [[['sampling', 'frames'], 0]], 'spec.sampling.frames', AT_LEAST_1),
  vp(
    'zero videosPerSecond',
    [
      [['load', 'videosPerDay'], undefined],
      [['load', 'videosPerSecond'], '0'],
    ],
    'spec.load.videosPerSecond',
    POSITIVE_QUANTITY,
  ),
  vp(
    'negative videosPerSecond',
    [
      [['load', 'videosPerDay'], undefined],
      [['load', 'videosPerSecond'], '-1'],
    ],
    'spec.load.videosPerSecond',
    POSITIVE_QUANTITY,
  ),
  vp(
    'videosPerSecond that does not parse',
    [
      [['load', 'videosPerDay'], undefined],
      [['load', 'videosPerSecond'], 'fast'],
    ],
    'spec.load.videosPerSecond',
    POSITIVE_QUANTITY,
  ),
  vp(
    'peakFactor that does not parse',
    [[['load', 'peakFactor'], '2x']],
    'spec.load.peakFactor',
    POSITIVE_QUANTITY,
  ),
  vp('zero fanOut', [[['stages', 1, 'fanOut'], '0']], 'spec.stages[1].fanOut', POSITIVE_QUANTITY),
  vp(
    'latePolicy outside its enum',
    [[['latencySLO', 'latePolicy'], 'drop']],
    'spec.latencySLO.latePolicy',
    unsupported('drop'),
  ),
  vp(
    'URI scheme outside its enum',
    [[['source', 'allowedUriSchemes'], ['ftp']]],
    'spec.source.allowedUriSchemes[0]',
    unsupported('ftp'),
  ),
  vp(
    'Kafka topic with a space',
    [[['output', 'kafkaTopic'], 'videos results']],
    'spec.output.kafkaTopic',
    /should match/,
  ),
  ms('missing model.uri', [[['model', 'uri'], undefined]], 'spec.model.uri', REQUIRED),
  ms('missing executionProvider', [[['executionProvider'], undefined]], 'spec.executionProvider', REQUIRED),
  ms(
    'missing batching.maxBatchSize',
    [[['batching', 'maxBatchSize'], undefined]],
    'spec.batching.maxBatchSize',
    REQUIRED,
  ),
  ms('layout outside its enum', [[['input', 'layout'], 'NHWC']], 'spec.input.layout', unsupported('NHWC')),
  ms(
    'executionProvider outside its enum',
    [[['executionProvider'], 'tpu']],
    'spec.executionProvider',
    unsupported('tpu'),
  ),
  ms(
    'frames input without layout',
    [
      [['input', 'source'], 'frames'],
      [['input', 'layout'], undefined],
    ],
    'spec.input',
    /input\.layout, input\.frames, input\.width and input\.height are required when input\.source is frames/,
  ),
  ms('zero maxBatchSize', [[['batching', 'maxBatchSize'], 0]], 'spec.batching.maxBatchSize', AT_LEAST_1),
  ms(
    'negative latencyMicros',
    [[['profiles', 0, 'points', 0, 'latencyMicros'], -1]],
    'spec.profiles[0].points[0].latencyMicros',
    AT_LEAST_1,
  ),
  ms('zero gpuMemoryMiB', [[['resources', 'gpuMemoryMiB'], 0]], 'spec.resources.gpuMemoryMiB', AT_LEAST_1),
  ms(
    'zero std',
    [
      [
        ['input', 'std'],
        ['0.229', '0', '0.225'],
      ],
    ],
    'spec.input.std[1]',
    POSITIVE_QUANTITY,
  ),
  ms(
    'mean that does not parse',
    [[['input', 'mean'], ['abc']]],
    'spec.input.mean[0]',
    /must be a quantity string/,
  ),
  ms('negative cpu', [[['resources', 'cpu'], '-1']], 'spec.resources.cpu', POSITIVE_QUANTITY),
  ms(
    'memory that does not parse',
    [[['resources', 'memory'], 'lots']],
    'spec.resources.memory',
    POSITIVE_QUANTITY,
  ),
  ms(
    'duplicate profile gpuProduct',
    [[['profiles', 1, 'gpuProduct'], 'NVIDIA-A100-SXM4-80GB']],
    'spec.profiles',
    /profiles must have unique gpuProduct values/,
  ),
  ms(
    'duplicate profile batchSize',
    [[['profiles', 0, 'points', 1, 'batchSize'], 1]],
    'spec.profiles[0].points',
    /profile points must have unique batchSize values/,
  ),
  ms(
    'model URI with another scheme',
    [[['model', 'uri'], 'ftp://models/scene.onnx']],
    'spec.model.uri',
    /should match/,
  ),
  ms('sha256 that is not hex', [[['model', 'sha256'], 'not-a-digest']], 'spec.model.sha256', /should match/),
  ms(
    'an unknown output decoder',
    [[['output', 'decoder'], 'yolo']],
    'spec.output.decoder',
    /Unsupported value/,
  ),
  ms(
    'a dbText threshold of 1',
    [
      [['output', 'labels'], undefined],
      [['output', 'decoder'], 'dbText'],
      [['output', 'dbText'], { threshold: '1' }],
    ],
    'spec.output.dbText.threshold',
    /must be a quantity string between 0 and 1/,
  ),
  ms(
    'ctcText without its dictionary',
    [
      [['output', 'labels'], undefined],
      [['output', 'decoder'], 'ctcText'],
    ],
    'spec.output',
    /decoder: ctcText needs output.ctcText.dictionary/,
  ),
];

const PLURALS: Record<string, string> = { VideoPipeline: 'videopipelines', ModelSession: 'modelsessions' };

async function samples(): Promise<Manifest[]> {
  const docs: Manifest[] = [];
  for (const file of ['sessions.yaml', 'pipeline.yaml']) {
    for (const doc of loadAll(await readFile(join(SAMPLE_DIR, file), 'utf8')))
      if (doc) docs.push(doc as Manifest);
  }
  return docs;
}

describe('CRD validation (server-side)', () => {
  let cluster: KubernetesCluster | undefined;
  let custom: CustomObjectsApi;
  let valid: Manifest[];
  const namespace = `crds-e2e-${process.pid}`;

  /** Dry-run create; resolves with the API server's rejection message, or undefined if accepted. */
  async function rejection(object: Manifest): Promise<string | undefined> {
    const [group, version] = object.apiVersion.split('/');
    try {
      await custom.createNamespacedCustomObject({
        group: group ?? '',
        version: version ?? '',
        namespace,
        plural: PLURALS[object.kind] ?? '',
        body: object,
        dryRun: 'All',
      });
      return undefined;
    } catch (error) {
      const { code, body } = error as { code?: number; body?: string };
      assert.equal(code, 422, `expected 422 Unprocessable Entity, got ${code}: ${body ?? error}`);
      return (JSON.parse(body ?? '{}') as { message?: string }).message ?? '';
    }
  }

  before(async () => {
    const own = await kubeConfigOrOwnCluster();
    cluster = own.cluster;
    const config = own.config;
    custom = config.makeApiClient(CustomObjectsApi);
    await installCrds(config, join(ROOT, 'crds'));
    await config.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    valid = await samples();
  });

  after(async () => {
    await cluster?.stop();
  });

  test('every sample manifest is accepted', async () => {
    assert.ok(valid.some((m) => m.kind === 'VideoPipeline') && valid.some((m) => m.kind === 'ModelSession'));
    for (const manifest of valid) {
      assert.equal(
        await rejection(manifest),
        undefined,
        `${manifest.kind}/${manifest.metadata.name} rejected`,
      );
    }
  });

  for (const c of INVALID_CASES) {
    test(`${c.kind}: ${c.name} is rejected`, async () => {
      const base = valid.find((m) => m.kind === c.kind);
      assert.ok(base, `no ${c.kind} sample`);
      const message = await rejection(variant(base, c));
      assert.ok(message !== undefined, 'the API server accepted it');
      assert.ok(message.includes(c.path), `message names ${c.path}: ${message}`);
      assert.match(message, c.message);
    });
  }
});

function variant(base: Manifest, c: Case): Manifest {
  const copy = structuredClone(base);
  for (const [path, value] of c.edits) edit(copy.spec, path, value);
  return copy;
}

/** Sets (or, for undefined, deletes) the value at `path`, creating objects on the way. */
function edit(target: Record<string, unknown>, path: Path, value: unknown): void {
  let node = target as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path.at(-1);
  if (last === undefined) throw new Error('empty edit path');
  if (value === undefined) delete node[last];
  else node[last] = structuredClone(value);
}
