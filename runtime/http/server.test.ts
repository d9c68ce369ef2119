import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRuntimeMetrics } from '../metrics.ts';
import type { Readiness } from './routes/health.ts';
import { buildApp } from './server.ts';

function setup(state: Readiness = { modelsLoaded: true, transportConnected: true }) {
  const submitted: { videoId: string; uri: string }[] = [];
  const metrics = createRuntimeMetrics();
  let n = 0;
  const videos = {
    allowedUriSchemes: ['https', 'file'],
    newVideoId: () => `gen-${++n}`,
    submit: async (v: { videoId: string; uri: string }) => void submitted.push(v),
  };
  return { submitted, metrics, videos, state };
}

test('/healthz answers ok; /readyz is 503 until models are loaded and the transport connected', async () => {
  const s = setup({ modelsLoaded: false, transportConnected: true });
  const app = await buildApp({ metrics: s.metrics, readiness: () => s.state });
  assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
  const notReady = await app.inject({ url: '/readyz' });
  assert.equal(notReady.statusCode, 503);
  assert.deepEqual(notReady.json().missing, ['models not loaded']);
  s.state.modelsLoaded = true;
  assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
  s.state.transportConnected = false;
  assert.deepEqual((await app.inject({ url: '/readyz' })).json().missing, ['transport not connected']);
  await app.close();
});

test('/metrics serves the role registry in the Prometheus text format', async () => {
  const s = setup();
  s.metrics.batchSize.observe({ stage: 'scene' }, 8);
  const app = await buildApp({ metrics: s.metrics, readiness: () => s.state });
  const res = await app.inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /text\/plain/);
  assert.match(res.body, /vpo_batch_size_count\{stage="scene"\} 1/);
  await app.close();
});

test('POST /v1/videos accepts a URI with or without a videoId (202) and submits it', async () => {
  const s = setup();
  const app = await buildApp({ metrics: s.metrics, readiness: () => s.state, videos: s.videos });
  const a = await app.inject({ method: 'POST', url: '/v1/videos', payload: { uri: 'https://x.test/a.mp4' } });
  assert.equal(a.statusCode, 202);
  assert.deepEqual(a.json(), { videoId: 'gen-1' });
  const b = await app.inject({
    method: 'POST',
    url: '/v1/videos',
    payload: { uri: 'file:///v/b.webm', videoId: 'b-1' },
  });
  assert.deepEqual(b.json(), { videoId: 'b-1' });
  assert.deepEqual(s.submitted, [
    { videoId: 'gen-1', uri: 'https://x.test/a.mp4' },
    { videoId: 'b-1', uri: 'file:///v/b.webm' },
  ]);
  await app.close();
});

test('POST /v1/videos rejects bad bodies with 400 and a reason; nothing is submitted', async () => {
  const s = setup();
  const app = await buildApp({ metrics: s.metrics, readiness: () => s.state, videos: s.videos });
  const post = (payload: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/v1/videos', payload, headers: { 'content-type': contentType } });
  const cases: [string, string, RegExp][] = [
    ['{"uri": ', 'InvalidRequest', /JSON/i],
    ['[]', 'InvalidRequest', /JSON object/],
    ['{}', 'InvalidRequest', /uri must be/],
    ['{"uri": 42}', 'InvalidRequest', /uri must be/],
    ['{"uri": "not a url"}', 'InvalidRequest', /not a URL/],
    ['{"uri": "gopher://h/x"}', 'SchemeNotAllowed', /gopher/],
    ['{"uri": "https://h/x", "videoId": "../etc"}', 'InvalidRequest', /videoId/],
    ['{"uri": "https://h/x", "extra": 1}', 'InvalidRequest', /unknown field/],
  ];
  for (const [payload, reason, message] of cases) {
    const res = await post(payload);
    assert.equal(res.statusCode, 400, payload);
    assert.equal(res.json().reason, reason, payload);
    assert.match(res.json().message, message, payload);
  }
  const big = await post(JSON.stringify({ uri: `https://h/${'a'.repeat(70_000)}` }));
  assert.equal(big.statusCode, 413);
  assert.equal(big.json().reason, 'TooLarge');
  const text = await post('uri=https://h/x', 'text/plain');
  assert.equal(text.statusCode, 400);
  assert.equal(text.json().reason, 'InvalidRequest');
  const xml = await post('<uri/>', 'application/xml');
  assert.equal(xml.statusCode, 415);
  assert.equal(xml.json().reason, 'InvalidRequest');
  assert.equal(s.submitted.length, 0);
  // the app still serves after all that
  assert.equal((await post('{"uri": "https://h/ok"}')).statusCode, 202);
  await app.close();
});

test('without a video submitter there is no ingest route', async () => {
  const s = setup();
  const app = await buildApp({ metrics: s.metrics, readiness: () => s.state });
  const res = await app.inject({ method: 'POST', url: '/v1/videos', payload: { uri: 'https://h/x' } });
  assert.equal(res.statusCode, 404);
  await app.close();
});
