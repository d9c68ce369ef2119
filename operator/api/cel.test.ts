import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as yaml from 'js-yaml';
import { collectRules, evaluateRules } from './cel-harness.test-support.ts';
import { loadCrds } from './crds.ts';
import { ruleChecks } from './rules.ts';
import { applyDefaults, validateSchema } from './schema-validate.ts';

// biome-ignore lint/suspicious/noExplicitAny: test fixtures are edited freely
type Obj = Record<string, any>;
const crds = loadCrds();
const schemaOf = (kind: string) => crds.find((c) => c.kind === kind)!.schema;
const sample = (file: string, name: string): Obj =>
  (
    yaml.loadAll(
      readFileSync(new URL(`../../samples/video-classifier/${file}`, import.meta.url), 'utf8'),
    ) as Obj[]
  ).find((o) => o.metadata.name === name)!;
const pipeline = () => sample('pipeline.yaml', 'video-classifier');
const scene = () => sample('sessions.yaml', 'scene-classifier');

interface Variant {
  name: string;
  kind: 'VideoPipeline' | 'ModelSession';
  make: () => Obj;
  at: string;
  message: RegExp;
}

const vp = (name: string, at: string, message: RegExp, edit: (o: Obj) => void): Variant => ({
  name,
  kind: 'VideoPipeline',
  at,
  message,
  make: () => {
    const o = pipeline();
    edit(o);
    return o;
  },
});
const ms = (name: string, at: string, message: RegExp, edit: (o: Obj) => void): Variant => ({
  name,
  kind: 'ModelSession',
  at,
  message,
  make: () => {
    const o = scene();
    edit(o);
    return o;
  },
});

const variants: Variant[] = [
  vp('both rates', 'spec.load', /exactly one of/, (o) => {
    o.spec.load.videosPerSecond = '5.79';
  }),
  vp('no rate', 'spec.load', /exactly one of/, (o) => {
    delete o.spec.load.videosPerDay;
  }),
  vp('rate not a quantity', 'spec.load.videosPerSecond', /positive quantity/, (o) => {
    delete o.spec.load.videosPerDay;
    o.spec.load.videosPerSecond = 'fast';
  }),
  vp('zero rate', 'spec.load.videosPerSecond', /positive quantity/, (o) => {
    delete o.spec.load.videosPerDay;
    o.spec.load.videosPerSecond = '0m';
  }),
  vp('negative peak', 'spec.load.peakFactor', /positive quantity/, (o) => {
    o.spec.load.peakFactor = '-2';
  }),
  vp('duplicate stage', 'spec.stages', /stage names must be unique/, (o) => {
    o.spec.stages.push(structuredClone(o.spec.stages[0]));
  }),
  vp('unknown input', 'spec.stages', /must name another stage or source/, (o) => {
    o.spec.stages[2].inputs = ['scene', 'objects'];
  }),
  vp('own input', 'spec.stages[2]', /cannot be its own input/, (o) => {
    o.spec.stages[2].inputs = ['fusion'];
  }),
  vp('stage named source', 'spec.stages[2].name', /source is reserved/, (o) => {
    o.spec.stages[2].name = 'source';
  }),
  vp('zero fanOut', 'spec.stages[0].fanOut', /positive quantity/, (o) => {
    o.spec.stages[0].fanOut = '0';
  }),
  vp(
    's3 frame store without a bucket',
    'spec.frameStore',
    /frameStore.s3 \(the bucket\) is required/,
    (o) => {
      o.spec.frameStore = { kind: 's3' };
    },
  ),
  vp('claim frame store without a claim', 'spec.frameStore', /persistentVolumeClaim is required/, (o) => {
    o.spec.frameStore = { kind: 'persistentVolumeClaim' };
  }),
  ms('frames input without shape', 'spec.input', /required when input.source is frames/, (o) => {
    o.spec.input.source = 'frames';
    delete o.spec.input.layout;
  }),
  ms('mean not a quantity', 'spec.input.mean[1]', /must be a quantity/, (o) => {
    o.spec.input.mean = ['0.4', 'x'];
  }),
  ms('zero std', 'spec.input.std[0]', /positive quantity/, (o) => {
    o.spec.input.std = ['0'];
  }),
  ms('zero cpu', 'spec.resources.cpu', /positive quantity/, (o) => {
    o.spec.resources.cpu = '0';
  }),
  ms('memory not a quantity', 'spec.resources.memory', /positive quantity/, (o) => {
    o.spec.resources.memory = '4GB';
  }),
  ms('duplicate product', 'spec.profiles', /unique gpuProduct/, (o) => {
    o.spec.profiles[1].gpuProduct = o.spec.profiles[0].gpuProduct;
  }),
  ms('duplicate batch size', 'spec.profiles[0].points', /unique batchSize/, (o) => {
    o.spec.profiles[0].points[1].batchSize = 1;
  }),
  vp('a stage with a model and a gather', 'spec.stages[3]', /exactly one of the two/, (o) => {
    o.spec.stages.push({ name: 'collect', sessionRef: { name: 'x' }, gather: {}, inputs: ['fusion'] });
  }),
  vp('a gather fed by the source', 'spec.stages[3]', /exactly one input, a stage after a fan-out/, (o) => {
    o.spec.stages.push({ name: 'collect', gather: {}, inputs: ['source'] });
  }),
  vp('a gather as input', 'spec.stages', /no stage can take it as input/, (o) => {
    o.spec.stages.push({ name: 'collect', gather: {}, inputs: ['fusion'] });
    o.spec.stages.push({ name: 'after', sessionRef: { name: 'x' }, inputs: ['collect'] });
  }),
  vp('a gather minScore of 1', 'spec.stages[3].gather.minScore', /between 0 and 1/, (o) => {
    o.spec.stages.push({ name: 'collect', gather: { minScore: '1' }, inputs: ['fusion'] });
  }),
  ms(
    'dbText parameters without the dbText decoder',
    'spec.output',
    /output.dbText applies to decoder: dbText only/,
    (o) => {
      o.spec.output.dbText = {};
    },
  ),
  ms(
    'ctcText parameters on a dbText decoder',
    'spec.output',
    /output.ctcText applies to decoder: ctcText only/,
    (o) => {
      delete o.spec.output.labels;
      o.spec.output.decoder = 'dbText';
      o.spec.output.ctcText = { dictionary: { uri: 'file:///models/keys.txt' } };
    },
  ),
  ms('ctcText without its dictionary', 'spec.output', /needs output.ctcText.dictionary/, (o) => {
    delete o.spec.output.labels;
    o.spec.output.decoder = 'ctcText';
  }),
  ms('labels on a dbText decoder', 'spec.output', /labels apply to decoder: classes only/, (o) => {
    o.spec.output.decoder = 'dbText';
  }),
  ms('dbText threshold of 1', 'spec.output.dbText.threshold', /between 0 and 1/, (o) => {
    delete o.spec.output.labels;
    o.spec.output.decoder = 'dbText';
    o.spec.output.dbText = { threshold: '1' };
  }),
  ms('dbText boxThreshold of 0', 'spec.output.dbText.boxThreshold', /between 0 and 1/, (o) => {
    delete o.spec.output.labels;
    o.spec.output.decoder = 'dbText';
    o.spec.output.dbText = { boxThreshold: '0' };
  }),
  ms('negative unclipRatio', 'spec.output.dbText.unclipRatio', /positive quantity/, (o) => {
    delete o.spec.output.labels;
    o.spec.output.decoder = 'dbText';
    o.spec.output.dbText = { unclipRatio: '-1' };
  }),
  ms('cuda settings on a cpu session', 'spec', /spec\.cuda applies to executionProvider: cuda only/, (o) => {
    o.spec.executionProvider = 'cpu';
    o.spec.cuda = { deviceId: 1 };
  }),
];

const defaulted = (kind: string, o: Obj): Obj => {
  const c = structuredClone(o);
  applyDefaults(schemaOf(kind), c);
  return c;
};

test('every CEL rule in crds/ compiles and has a TypeScript twin', () => {
  for (const crd of crds) {
    for (const site of collectRules(crd.schema)) {
      assert.ok(ruleChecks[site.rule], `${crd.kind} ${site.path}: no twin in rules.ts for ${site.rule}`);
    }
  }
});

test('the samples pass every rule (CEL and the TypeScript twins)', () => {
  const objects: [string, Obj][] = [['VideoPipeline', pipeline()]];
  for (const file of [
    'video-classifier/sessions.yaml',
    'video-text/sessions.yaml',
    'video-text/pipeline.yaml',
  ]) {
    for (const o of yaml.loadAll(
      readFileSync(new URL(`../../samples/${file}`, import.meta.url), 'utf8'),
    ) as Obj[]) {
      objects.push([o.kind, o]);
    }
  }
  for (const [kind, o] of objects) {
    const results = evaluateRules(schemaOf(kind), defaulted(kind, o));
    assert.ok(results.length > 0);
    for (const r of results) assert.ok(r.passed, `${kind}/${o.metadata.name} ${r.at}: ${r.message}`);
    assert.equal(validateSchema(schemaOf(kind), defaulted(kind, o)), undefined);
  }
});

for (const v of variants) {
  test(`CEL rejects ${v.kind}: ${v.name}, and vpo plan's validation agrees`, () => {
    const obj = defaulted(v.kind, v.make());
    const results = evaluateRules(schemaOf(v.kind), obj);
    const failed = results.filter((r) => !r.passed);
    assert.equal(failed.length, 1, `failures: ${failed.map((f) => `${f.at}: ${f.message}`).join('; ')}`);
    assert.equal(failed[0]!.at, v.at);
    assert.match(failed[0]!.message, v.message);
    for (const r of results)
      assert.equal(ruleChecks[r.rule]!(r.self), r.passed, `twin disagrees on ${r.rule} at ${r.at}`);
    assert.equal(validateSchema(schemaOf(v.kind), obj), `${v.at}: ${failed[0]!.message}`);
  });
}

test('every rule is exercised by at least one failing variant', () => {
  const failedSites = new Set<string>();
  for (const v of variants) {
    for (const r of evaluateRules(schemaOf(v.kind), defaulted(v.kind, v.make()))) {
      if (!r.passed) failedSites.add(`${v.kind} ${r.path} ${r.rule}`);
    }
  }
  for (const crd of crds) {
    for (const site of collectRules(crd.schema)) {
      const key = `${crd.kind} ${site.path} ${site.rule}`;
      assert.ok(failedSites.has(key), `no variant fails ${key}`);
    }
  }
});
