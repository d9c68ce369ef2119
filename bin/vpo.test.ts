import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

test('vpo --version prints the package version', () => {
  const out = execFileSync(process.execPath, [new URL('./vpo.ts', import.meta.url).pathname, '--version'], {
    encoding: 'utf8',
  });
  assert.match(out, /^vpo \d+\.\d+\.\d+\n$/);
});
