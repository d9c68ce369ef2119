import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { modelPath } from './model-path.ts';

test('file URIs open under the model root, or as they are without one', () => {
  assert.equal(modelPath('file:///models/scene.onnx', '/srv/sample'), '/srv/sample/models/scene.onnx');
  assert.equal(modelPath('file:///models/scene.onnx', 'rel'), path.resolve('rel/models/scene.onnx'));
  assert.equal(modelPath('file:///models/scene.onnx'), '/models/scene.onnx');
});

test('other schemes and non-URIs are clear errors', () => {
  assert.throws(() => modelPath('https://h/m.onnx', '/r'), /only file:\/\//);
  assert.throws(() => modelPath('scene.onnx'), /not a URI/);
});
