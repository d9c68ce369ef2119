// The image installs exactly the lockfile (docs/install.md, "The image"): `npm ci`, never an
// `npm install` that would resolve versions of its own when the lockfile is refused.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
// RUN instructions with their continuation lines joined; comments dropped.
const runs = dockerfile
  .split('\n')
  .filter((line) => !line.trimStart().startsWith('#'))
  .join('\n')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((line) => /^\s*RUN\b/.test(line));

test('the image installs dependencies with npm ci from the lockfile and never falls back to npm install', () => {
  assert.ok(runs.length > 0, 'no RUN instruction found');
  const installs = runs.filter((r) => /\bnpm\s+(ci|install|i)\b/.test(r));
  assert.ok(
    installs.some((r) => /\bnpm ci\b/.test(r)),
    `no npm ci in: ${installs.join(' | ')}`,
  );
  for (const r of installs) assert.doesNotMatch(r, /\bnpm\s+(install|i)\b/, `an npm install in: ${r}`);
  assert.ok(
    readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8').includes('"lockfileVersion"'),
  );
});
