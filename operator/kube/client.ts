// The one adapter over @kubernetes/client-node: it only reads the kubeconfig and authenticates
// plain HTTPS requests. Everything the operator does with the API server goes through KubeApi,
// so reconcilers and tests of pure code never see the library.

import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError } from './errors.ts';
import type { KubeApi, KubeObject, ListResult, WatchEvent, WatchHandle } from './types.ts';

type Body = string | undefined;

interface Transport {
  server: URL;
  options(): Promise<RequestOptions>;
}

async function transportFor(kubeconfigPath: string | undefined): Promise<Transport> {
  const kc = new KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromDefault();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`kubeconfig ${kubeconfigPath ?? '(default)'} has no current cluster`);
  const server = new URL(cluster.server);
  return {
    server,
    async options() {
      const opts: RequestOptions & { headers: Record<string, string> } = { headers: {} };
      await kc.applyToHTTPSOptions(opts);
      return opts;
    },
  };
}

function send(
  t: Transport,
  base: RequestOptions,
  method: string,
  path: string,
  body: Body,
  contentType: string,
): Promise<{ status: number; text: string }> {
  const url = new URL(path, t.server);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ...base,
        method,
        headers: {
          ...(base.headers as Record<string, string>),
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': contentType } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: timed out after 30000 ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function parse(method: string, path: string, res: { status: number; text: string }): unknown {
  if (res.status >= 200 && res.status < 300) return res.text ? JSON.parse(res.text) : {};
  let message = res.text;
  let reason = '';
  try {
    const s = JSON.parse(res.text) as { message?: string; reason?: string };
    message = s.message ?? message;
    reason = s.reason ?? '';
  } catch {}
  throw new KubeApiError(`${method} ${path}: ${res.status} ${message}`, res.status, reason);
}

/** Creates the API client from a kubeconfig file (or the default loading rules). */
export async function createKubeApi(kubeconfigPath: string | undefined): Promise<KubeApi> {
  const t = await transportFor(kubeconfigPath);
  const base = await t.options();
  const call = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return parse(method, path, await send(t, base, method, path, text, contentType));
  };
  return {
    get: async (path) => {
      try {
        return (await call('GET', path)) as KubeObject;
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return undefined;
        throw err;
      }
    },
    list: async (path) => (await call('GET', path)) as ListResult,
    create: async (path, body) => (await call('POST', path, body)) as KubeObject,
    apply: async (path, body, fieldManager) =>
      (await call(
        'PATCH',
        `${path}?fieldManager=${encodeURIComponent(fieldManager)}&force=true`,
        body,
        'application/apply-patch+yaml',
      )) as KubeObject,
    mergePatch: async (path, body) =>
      (await call('PATCH', path, body, 'application/merge-patch+json')) as KubeObject,
    replace: async (path, body) => (await call('PUT', path, body)) as KubeObject,
    delete: async (path) => {
      try {
        await call('DELETE', path, { propagationPolicy: 'Background' });
        return true;
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return false;
        throw err;
      }
    },
    watch: (path, resourceVersion, onEvent) => watchStream(t, base, path, resourceVersion, onEvent),
  };
}

function watchStream(
  t: Transport,
  base: RequestOptions,
  path: string,
  resourceVersion: string,
  onEvent: (e: WatchEvent) => void,
): WatchHandle {
  const sep = path.includes('?') ? '&' : '?';
  const url = new URL(
    `${path}${sep}watch=true&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion)}&timeoutSeconds=300`,
    t.server,
  );
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  let stop: () => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    const req = request(url, { ...base, method: 'GET' }, (res) => {
      if ((res.statusCode ?? 0) >= 300) {
        reject(new KubeApiError(`WATCH ${path}: ${res.statusCode}`, res.statusCode ?? 0, ''));
        res.resume();
        return;
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
          const line = buffer.slice(0, i).trim();
          buffer = buffer.slice(i + 1);
          if (line) onEvent(JSON.parse(line) as WatchEvent);
        }
      });
      res.on('end', () => resolve());
      res.on('error', reject);
      res.on('close', () => resolve());
    });
    req.on('error', (err) => reject(err));
    req.end();
    stop = () => req.destroy();
  });
  return { done, stop: () => stop() };
}
