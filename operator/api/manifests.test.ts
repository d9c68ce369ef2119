import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { expandPaths, loadManifests, ManifestError } from './manifests.ts';

const sampleDir = new URL('../../samples/video-classifier/', import.meta.url).pathname;
const pipelineText = readFileSync(join(sampleDir, 'pipeline.yaml'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'vpo-manifests-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const fails = (paths: string[], message: RegExp) =>
  assert.throws(
    () => loadManifests(paths),
    (err: unknown) =>
      err instanceof ManifestError && message.test(err.message) && !err.message.includes('\n'),
  );

test('the sample directory loads: one pipeline, three sessions, four nodes, defaults applied', () => {
  const m = loadManifests([sampleDir]);
  assert.equal(m.pipelines.length, 1);
  assert.deepEqual(m.sessions.map((s) => s.metadata.name).sort(), [
    'fusion-classifier',
    'motion-detector',
    'scene-classifier',
  ]);
  assert.equal(m.nodes.length, 4);
  const spec = m.pipelines[0]!.spec;
  assert.equal(spec.latencySLO.ingestAllowanceMs, undefined, 'from the ingestProfile, not a fixed default');
  assert.equal(spec.sampling.mode, 'uniform');
  assert.equal(spec.source?.maxPixelsPerFrame, 3840 * 2160);
  assert.equal(spec.source?.decoder, 'cpu');
  assert.equal(spec.latencySLO.hopAllowanceMs, 50);
  assert.equal(spec.latencySLO.latePolicy, 'process');
  assert.equal(spec.stages[0]!.fanOut, '1');
  assert.equal(spec.source?.allowPrivateNetworks, false);
  assert.equal(spec.source?.connectTimeoutMs, 5000);
  assert.equal(spec.deadLetter?.maxRetries, 3);
  // input.source has no default: absent, it is inferred per stage from the pipeline's wiring.
  assert.equal(m.sessions.find((s) => s.metadata.name === 'scene-classifier')!.spec.input.source, undefined);
});

test('directories are walked recursively and sorted; only manifest extensions count', () => {
  const a = write('tree/b/x.yml', '');
  const b = write('tree/a.json', '{}');
  write('tree/readme.txt', 'not a manifest');
  const c = write('tree/c/d/y.yaml', '');
  assert.deepEqual(expandPaths([join(dir, 'tree')]), [b, a, c]);
});

test('JSON manifests, Lists and empty documents are read', () => {
  const json = write(
    'json/p.json',
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'NodeList',
      items: [{ kind: 'Node', metadata: { name: 'n1' } }],
    }),
  );
  const m = loadManifests([json, write('json/empty.yaml', '---\n---\n')]);
  assert.equal(m.nodes.length, 1);
});

test('bad manifests give one line naming the file, the object and the field', () => {
  fails(
    [write('v.yaml', pipelineText.replace('serving.vpo.dev/v1alpha1', 'serving.vpo.dev/v1'))],
    /v\.yaml: VideoPipeline\/video-classifier: apiVersion: must be serving\.vpo\.dev\/v1alpha1, got "serving\.vpo\.dev\/v1"/,
  );
  fails(
    [write('n.yaml', pipelineText.replace('name: video-classifier', 'name: Video_Classifier'))],
    /n\.yaml: VideoPipeline\/Video_Classifier: metadata\.name: must be a DNS subdomain name/,
  );
  fails(
    [write('f.yaml', pipelineText.replace('frames: 8', 'frames: 0'))],
    /f\.yaml: VideoPipeline\/video-classifier: spec\.sampling\.frames: must be at least 1, got 0$/,
  );
  fails(
    [write('s.yaml', pipelineText.replace('frames: 8', 'frames: "8"'))],
    /spec\.sampling\.frames: must be an integer, got "8"$/,
  );
  fails(
    [write('st.yaml', pipelineText.replace(/ {2}stages:[\s\S]*?(?= {2}output:)/, '  stages: []\n'))],
    /spec\.stages: must have at least 1 item\(s\)$/,
  );
  fails(
    [write('in.yaml', pipelineText.replace('inputs: [scene, motion]', 'inputs: [scene, objects]'))],
    /spec\.stages: every stage input must name another stage or source$/,
  );
  fails(
    [write('d1.yaml', pipelineText), write('d2.yaml', pipelineText)],
    /d2\.yaml: VideoPipeline\/video-classifier: defined twice \(first in .*d1\.yaml\)/,
  );
  const sessionsText = readFileSync(join(sampleDir, 'sessions.yaml'), 'utf8');
  fails(
    [
      write(
        'dec.yaml',
        sessionsText.replace(
          'output: { name: logits, labels: [dark, bright, colorful] }',
          'output: { decoder: yolo }',
        ),
      ),
    ],
    /dec\.yaml: ModelSession\/scene-classifier: spec\.output\.decoder: must be one of classes, dbText, ctcText, got "yolo"$/,
  );
  fails([write('nokind.yaml', 'metadata: {name: x}\n')], /nokind\.yaml: an object has no kind/);
  fails([write('scalar.yaml', 'just text\n')], /scalar\.yaml: document 1: not a Kubernetes object/);
  fails([write('tab.yaml', 'kind: VideoPipeline\nmetadata:\n\tname: x\n')], /tab\.yaml:3: cannot parse YAML/);
});

test('a device or a FIFO is refused at once instead of read forever', () => {
  fails(['/dev/zero'], /\/dev\/zero: not a regular file or directory/);
  const fifo = join(dir, 'pipe.yaml');
  execFileSync('mkfifo', [fifo]);
  fails([fifo], /pipe\.yaml: not a regular file or directory/);
  // In a directory, a FIFO with a manifest extension is skipped, not opened.
  assert.ok(!expandPaths([dir]).includes(fifo));
  rmSync(fifo);
});
