import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCrds } from '../operator/api/crds.ts';
import { EXECUTION_PROVIDERS, isExecutionProvider } from './execution-providers.ts';

test('the provider list is the CRD enum', () => {
  const crds = loadCrds(new URL('../crds', import.meta.url).pathname);
  const session = crds.find((c) => c.kind === 'ModelSession');
  assert.ok(session, 'ModelSession CRD');
  const enumOf = session.schema.properties?.spec?.properties?.executionProvider?.enum;
  assert.deepEqual([...(enumOf ?? [])].sort(), [...EXECUTION_PROVIDERS].sort());
  assert.equal(isExecutionProvider('cuda'), true);
  assert.equal(isExecutionProvider('tpu'), false);
});
