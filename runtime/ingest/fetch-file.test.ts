import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { IngestError } from './errors.ts';
import { openFileVideo } from './fetch-file.ts';

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    assert.ok(error instanceof IngestError, String(error));
    return error.reason;
  }
}

test('file:// sources are read only under the configured roots, symlinks resolved', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vpo-roots-'));
  try {
    const root = path.join(dir, 'videos');
    const outside = path.join(dir, 'secret');
    await mkdir(root);
    await mkdir(outside);
    await writeFile(path.join(root, 'a.mp4'), 'x');
    await writeFile(path.join(outside, 'creds.mp4'), 'x');
    await symlink(path.join(outside, 'creds.mp4'), path.join(root, 'link.mp4'));
    const open = (file: string, roots?: string[]) => openFileVideo(pathToFileURL(file), 1000, roots);
    assert.equal(await reason(open(path.join(root, 'a.mp4'), [root])), 'ok');
    assert.equal(await reason(open(path.join(root, 'missing.mp4'), [root])), 'NotFound');
    // Outside the roots the answer is the same whether the file exists or not.
    assert.equal(await reason(open(path.join(outside, 'creds.mp4'), [root])), 'SchemeNotAllowed');
    assert.equal(await reason(open(path.join(outside, 'nothing.mp4'), [root])), 'SchemeNotAllowed');
    assert.equal(
      await reason(open(path.join(root, '..', 'secret', 'creds.mp4'), [root])),
      'SchemeNotAllowed',
    );
    assert.equal(await reason(open(path.join(root, 'link.mp4'), [root])), 'SchemeNotAllowed');
    // No root configured: file:// is refused; a root may be the file itself (vpo run --videos FILE).
    assert.equal(await reason(open(path.join(root, 'a.mp4'), [])), 'SchemeNotAllowed');
    assert.equal(await reason(open(path.join(root, 'a.mp4'), [path.join(root, 'a.mp4')])), 'ok');
    // Library use without roots reads anywhere (the runtime config always passes them).
    assert.equal(await reason(open(path.join(outside, 'creds.mp4'))), 'ok');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
