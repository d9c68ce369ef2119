import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  CUDA_INSTALL_MARKER,
  type CudaInstall,
  libraryPathWithCuda,
  readCudaInstall,
} from './provider-install.ts';

const dir = mkdtempSync(join(tmpdir(), 'vpo-install-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const record: CudaInstall = {
  onnxruntime: '1.30.0',
  cudaMajor: 13,
  minDriver: '580.65.06',
  libDir: '/c/lib',
  wheels: [],
};

test('the launcher puts the CUDA folder in front of LD_LIBRARY_PATH once, and only when installed', () => {
  assert.equal(libraryPathWithCuda(undefined, undefined), undefined);
  assert.equal(libraryPathWithCuda(undefined, record), '/c/lib');
  assert.equal(libraryPathWithCuda('/a:/b', record), '/c/lib:/a:/b');
  assert.equal(libraryPathWithCuda('/a:/c/lib', record), undefined, 'the relaunched child does not relaunch');
});

test('the install record: absent, ours, or refused naming the file', () => {
  assert.equal(readCudaInstall(dir), undefined);
  writeFileSync(join(dir, CUDA_INSTALL_MARKER), JSON.stringify(record));
  assert.deepEqual(readCudaInstall(dir), record);
  writeFileSync(join(dir, CUDA_INSTALL_MARKER), '{"libDir": 3}');
  assert.throws(() => readCudaInstall(dir), /vpo-cuda\.json is not a setup:cuda install record/);
});
