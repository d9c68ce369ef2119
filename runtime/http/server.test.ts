import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { createRuntimeMetrics } from '../metrics.ts';
import type { Readiness } from './routes/health.ts';
import { buildApiApp, buildOpsApp, DEFAULT_SERVER_LIMITS } from './server.ts';

function setup(state: Readiness = { modelsLoaded: true, transportConnected: true }) {
  const submitted: { videoId: string; uri: string }[] = [];
  const metrics = createRuntimeMetrics();
  let n = 0;
  const videos = {
    allowedUriSchemes: ['https', 'file'],
    clientVideoIds: true,
    newVideoId: () => `gen-${++n}`,
    submit: async (v: { videoId: string; uri: string }) => void submitted.push(v),
  };
  return { submitted, metrics, videos, state };
}

test('/healthz answers ok; /readyz is 503 until models are loaded and the transport connected', async () => {
  const s = setup({ modelsLoaded: false, transportConnected: true });
  const app = await buildOpsApp({ metrics: s.metrics, readiness: () => s.state });
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
  const app = await buildOpsApp({ metrics: s.metrics, readiness: () => s.state });
  const res = await app.inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /text\/plain/);
  assert.match(res.body, /vpo_batch_size_count\{stage="scene"\} 1/);
  await app.close();
});

test('POST /v1/videos accepts a URI with or without a videoId (202) and submits it', async () => {
  const s = setup();
  const app = await buildApiApp({ videos: s.videos });
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
  const app = await buildApiApp({ videos: s.videos });
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

test('the ops server has no ingest route, and the ingest API no metrics or probes', async () => {
  const s = setup();
  const app = await buildOpsApp({ metrics: s.metrics, readiness: () => s.state });
  const api = await buildApiApp({ videos: s.videos });
  for (const url of ['/metrics', '/readyz', '/healthz'])
    assert.equal((await api.inject({ url })).statusCode, 404, url);
  await api.close();
  const res = await app.inject({ method: 'POST', url: '/v1/videos', payload: { uri: 'https://h/x' } });
  assert.equal(res.statusCode, 404);
  await app.close();
});

test('by default the server assigns video ids: a caller-supplied one is refused', async () => {
  const s = setup();
  const app = await buildApiApp({ videos: { ...s.videos, clientVideoIds: false } });
  const claimed = await app.inject({
    method: 'POST',
    url: '/v1/videos',
    payload: { uri: 'https://x.test/a.mp4', videoId: 'someone-elses-video' },
  });
  assert.equal(claimed.statusCode, 400);
  assert.match(claimed.json().message, /assigned by the server/);
  const ok = await app.inject({
    method: 'POST',
    url: '/v1/videos',
    payload: { uri: 'https://x.test/a.mp4' },
  });
  assert.deepEqual(ok.json(), { videoId: 'gen-1' });
  assert.deepEqual(s.submitted, [{ videoId: 'gen-1', uri: 'https://x.test/a.mp4' }]);
  await app.close();
});

test('with a token, POST /v1/videos needs it as a bearer token', async () => {
  const s = setup();
  const app = await buildApiApp({ videos: s.videos, token: 's3cret-token' });
  const post = (headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/v1/videos', payload: { uri: 'https://x.test/a.mp4' }, headers });
  const refused: Record<string, string>[] = [
    {},
    { authorization: 'Bearer wrong' },
    { authorization: 's3cret-token' },
  ];
  for (const headers of refused) {
    const res = await post(headers);
    assert.equal(res.statusCode, 401, JSON.stringify(headers));
    assert.equal(res.json().reason, 'Unauthorized');
  }
  assert.equal(s.submitted.length, 0);
  assert.equal((await post({ authorization: 'Bearer s3cret-token' })).statusCode, 202);
  assert.equal(s.submitted.length, 1);
  await app.close();
});

/** Opens a raw connection to `port`; resolves when it is closed by the server (or after `waitMs`). */
function connection(port: number, waitMs: number, drip?: string) {
  const socket = net.connect(port, '127.0.0.1');
  const start = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const closed = new Promise<number | undefined>((resolve) => {
    socket.on('close', () => resolve(Date.now() - start));
    socket.on('error', () => {});
    setTimeout(() => resolve(undefined), waitMs).unref();
  });
  if (drip) {
    let i = 0;
    timer = setInterval(() => {
      if (i < drip.length && !socket.destroyed) socket.write(drip[i++]!);
    }, 200);
  }
  return {
    closed,
    end: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

test('a client sending its request a byte at a time is cut off at the request timeout', async () => {
  const s = setup();
  const app = await buildApiApp({ videos: s.videos }, { ...DEFAULT_SERVER_LIMITS, requestTimeoutMs: 1000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as net.AddressInfo;
  const slow = connection(port, 6000, `POST /v1/videos HTTP/1.1\r\nHost: x\r\n${'X-Pad: a\r\n'.repeat(20)}`);
  try {
    const closedAfterMs = await slow.closed;
    assert.ok(closedAfterMs !== undefined && closedAfterMs < 4000, `closed after ${closedAfterMs} ms`);
  } finally {
    slow.end();
    app.server.closeAllConnections();
    await app.close();
  }
});

test('connections beyond the limit are refused while the held ones stay', async () => {
  const s = setup();
  const app = await buildApiApp({ videos: s.videos }, { ...DEFAULT_SERVER_LIMITS, maxConnections: 3 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as net.AddressInfo;
  const held = [0, 1, 2].map(() => connection(port, 1500));
  await new Promise((r) => setTimeout(r, 300));
  const extra = connection(port, 1500);
  try {
    const extraClosed = await extra.closed;
    assert.ok(
      extraClosed !== undefined && extraClosed < 1000,
      `extra connection closed after ${extraClosed}`,
    );
    const heldClosed = await Promise.all(held.map((h) => h.closed));
    assert.deepEqual(heldClosed, [undefined, undefined, undefined]);
  } finally {
    for (const h of [...held, extra]) h.end();
    app.server.closeAllConnections();
    await app.close();
  }
});
