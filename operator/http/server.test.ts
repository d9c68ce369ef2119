import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOperatorMetrics } from './metrics.ts';
import { buildHttp } from './server.ts';

test('healthz, readyz and metrics', async () => {
  const metrics = createOperatorMetrics();
  let ready = false;
  const app = buildHttp(metrics, { healthy: () => true, ready: () => ready });
  assert.equal((await app.inject('/healthz')).statusCode, 200);
  assert.equal((await app.inject('/readyz')).statusCode, 503);
  ready = true;
  assert.equal((await app.inject('/readyz')).statusCode, 200);
  metrics.reconciles.inc({ kind: 'VideoPipeline', result: 'success' });
  const body = (await app.inject('/metrics')).body;
  assert.match(body, /vpo_operator_reconciles_total\{kind="VideoPipeline",result="success"\} 1/);
  await app.close();
});
