import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadModel } from '../runtime/inference/onnx-model.ts';
import { writeSampleModels } from './gen-models.ts';
import { FUSION_LABELS, MOTION_LABELS, SCENE_LABELS } from './onnx/sample-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'vpo-models-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeSampleModels(dir);

const F = 4;
const H = 8;
const W = 8;
type Pixel = (f: number, y: number, x: number) => [number, number, number];

/** One video as float NFCHW [F, 3, H, W] in 0..1. */
function video(pixel: Pixel): Float32Array {
  const out = new Float32Array(F * 3 * H * W);
  for (let f = 0; f < F; f++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const rgb = pixel(f, y, x);
        for (let c = 0; c < 3; c++) out[((f * 3 + c) * H + y) * W + x] = rgb[c]!;
      }
  return out;
}

const argmax = (row: ArrayLike<number>, offset: number, width: number) => {
  let best = 0;
  for (let i = 1; i < width; i++) if (row[offset + i]! > row[offset + best]!) best = i;
  return best;
};

const videos: Record<string, { scene: string; motion: string; data: Float32Array }> = {
  dark: { scene: 'dark', motion: 'static', data: video(() => [0.08, 0.1, 0.12]) },
  bright: { scene: 'bright', motion: 'static', data: video(() => [0.85, 0.87, 0.84]) },
  colorful: {
    scene: 'colorful',
    motion: 'static',
    data: video((_f, _y, x) => (x < 4 ? [0.9, 0.1, 0.1] : [0.1, 0.2, 0.9])),
  },
  // a bright bar moving across a dark-grey background
  moving: {
    scene: 'dark',
    motion: 'moving',
    data: video((f, _y, x) => (x === f * 2 || x === f * 2 + 1 ? [0.6, 0.6, 0.6] : [0.05, 0.05, 0.05])),
  },
};
const batch = Object.values(videos);
const frames = {
  data: new Float32Array(batch.flatMap((v) => Array.from(v.data))),
  dims: [batch.length, F, 3, H, W],
};

test('scene model labels dark, bright and colorful frames', async () => {
  const model = await loadModel({ path: join(dir, 'scene.onnx') });
  const { logits } = await model.run({ frames });
  assert.deepEqual(logits!.dims, [batch.length, 3]);
  const labels = batch.map((_, i) => SCENE_LABELS[argmax(logits!.data, i * 3, 3)]);
  assert.deepEqual(
    labels,
    batch.map((v) => v.scene),
  );
  await model.close();
});

test('motion model tells moving frames from static ones', async () => {
  const model = await loadModel({ path: join(dir, 'motion.onnx') });
  const { logits } = await model.run({ frames });
  assert.deepEqual(logits!.dims, [batch.length, 2]);
  const labels = batch.map((_, i) => MOTION_LABELS[argmax(logits!.data, i * 2, 2)]);
  assert.deepEqual(
    labels,
    batch.map((v) => v.motion),
  );
  await model.close();
});

test('fusion model combines scene and motion probabilities', async () => {
  const model = await loadModel({ path: join(dir, 'fusion.onnx') });
  // moving/colorful, then static/dark
  const scores = {
    data: Float32Array.from([0.1, 0.1, 0.8, 0.3, 0.7, 0.9, 0.05, 0.05, 0.6, 0.4]),
    dims: [2, 5],
  };
  const { logits } = await model.run({ scores });
  assert.deepEqual(logits!.dims, [2, 6]);
  assert.equal(FUSION_LABELS[argmax(logits!.data, 0, 6)], 'moving/colorful');
  assert.equal(FUSION_LABELS[argmax(logits!.data, 6, 6)], 'static/dark');
  assert.ok(Math.abs(logits!.data[5]! - (Math.log(0.8) + Math.log(0.7))) < 1e-4);
  await model.close();
});

test('generation is deterministic', () => {
  const again = mkdtempSync(join(tmpdir(), 'vpo-models-'));
  writeSampleModels(again);
  for (const name of ['scene', 'motion', 'fusion']) {
    assert.deepEqual(readFileSync(join(again, `${name}.onnx`)), readFileSync(join(dir, `${name}.onnx`)));
  }
  rmSync(again, { recursive: true, force: true });
});
