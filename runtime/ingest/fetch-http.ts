// Downloads an http(s) video to a local file with every limit enforced while bytes arrive:
// size (Content-Length up front, then counted while streaming), connect, read (idle) and total
// timeouts, a redirect limit, and the address policy. The address is checked on the RESOLVED
// address inside the socket's lookup, so a name that resolves to a private address at connect
// time (DNS rebinding) is refused too; IP literals skip lookup and are checked before connecting.
// Redirects are followed by hand so every hop goes through the same checks.
import type { LookupAddress, LookupOptions } from 'node:dns';
import dns from 'node:dns';
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AddressPolicy } from './address.ts';
import { IngestError } from './errors.ts';

export interface HttpFetchOptions {
  maxVideoBytes: number;
  connectTimeoutMs: number;
  /** Longest silence on the socket (no bytes), before or during the body. */
  readTimeoutMs: number;
  /** Whole download, so a server dripping one byte per read timeout cannot hold a slot forever. */
  totalTimeoutMs: number;
  /** Lower-case schemes without the colon, e.g. `https`. */
  allowedSchemes: ReadonlySet<string>;
  maxRedirects: number;
  /** Which addresses may be connected to (private networks allowed or not; never metadata). */
  addresses: AddressPolicy;
  /** DNS lookup, injectable so tests can resolve names to chosen addresses. */
  lookup?: typeof dns.lookup;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

function checkedLookup(options: HttpFetchOptions) {
  const lookup = options.lookup ?? dns.lookup;
  return (hostname: string, lookupOptions: LookupOptions, callback: LookupCallback): void => {
    lookup(hostname, { ...lookupOptions, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const bad = addresses.find((a) => options.addresses.forbids(a.address));
      if (bad) {
        return callback(
          new IngestError('ForbiddenAddress', `${hostname} resolves to forbidden address ${bad.address}`),
          [],
        );
      }
      const first = addresses[0];
      if (!first)
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      if (lookupOptions.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

function checkUrl(url: URL, options: HttpFetchOptions): void {
  const scheme = url.protocol.replace(/:$/, '');
  if (!options.allowedSchemes.has(scheme) || (scheme !== 'http' && scheme !== 'https')) {
    throw new IngestError('SchemeNotAllowed', `scheme ${scheme} is not allowed for ${url.origin}`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // IP literals never reach `lookup`, so they are checked here.
  if (/^[\d.]+$/.test(host) || host.includes(':')) {
    if (options.addresses.forbids(host)) {
      throw new IngestError('ForbiddenAddress', `address ${host} is not allowed`);
    }
  }
}

function mapNetworkError(err: unknown, url: URL): IngestError {
  if (err instanceof IngestError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return new IngestError(
    'FetchFailed',
    `fetching ${url.origin}${url.pathname} failed: ${code || String(err)}`,
    {
      cause: err,
    },
  );
}

interface Hop {
  redirect?: URL;
  bytes?: number;
}

function requestOnce(
  url: URL,
  destPath: string,
  options: HttpFetchOptions,
  deadlineMs: number,
): Promise<Hop> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<Hop>((resolve, reject) => {
    const timers: NodeJS.Timeout[] = [];
    const fail = (err: unknown) => {
      for (const t of timers) clearTimeout(t);
      reject(mapNetworkError(err, url));
    };
    const req = client.request(url, {
      method: 'GET',
      agent: false,
      lookup: checkedLookup(options) as unknown as typeof dns.lookup,
      headers: { 'user-agent': 'vpo-ingest', accept: 'video/*, */*' },
    });
    const timeout = (what: string, ms: number) =>
      setTimeout(
        () => req.destroy(new IngestError('FetchTimeout', `${what} timeout after ${ms} ms: ${url.origin}`)),
        ms,
      );
    timers.push(timeout('total', Math.max(1, deadlineMs - Date.now())));
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      const connectTimer = timeout('connect', options.connectTimeoutMs);
      timers.push(connectTimer);
      socket.once('connect', () => clearTimeout(connectTimer));
    });
    req.setTimeout(options.readTimeoutMs, () =>
      req.destroy(
        new IngestError('FetchTimeout', `read timeout after ${options.readTimeoutMs} ms: ${url.origin}`),
      ),
    );
    req.on('error', fail);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const done = (hop: Hop) => {
        for (const t of timers) clearTimeout(t);
        resolve(hop);
      };
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        req.destroy();
        return done({ redirect: new URL(res.headers.location, url) });
      }
      if (status === 404 || status === 410) {
        req.destroy();
        return fail(new IngestError('NotFound', `${url.origin}${url.pathname}: HTTP ${status}`));
      }
      if (status < 200 || status >= 300) {
        req.destroy();
        return fail(new IngestError('FetchFailed', `${url.origin}${url.pathname}: HTTP ${status}`));
      }
      const declared = Number(res.headers['content-length'] ?? Number.NaN);
      if (declared > options.maxVideoBytes) {
        req.destroy();
        return fail(
          new IngestError('TooLarge', `Content-Length ${declared} > maxVideoBytes ${options.maxVideoBytes}`),
        );
      }
      let bytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, callback) {
          bytes += chunk.length;
          if (bytes > options.maxVideoBytes) {
            callback(new IngestError('TooLarge', `body exceeds maxVideoBytes ${options.maxVideoBytes}`));
          } else callback(null, chunk);
        },
      });
      pipeline(res, counter, createWriteStream(destPath)).then(() => done({ bytes }), fail);
    });
    req.end();
  });
}

/** Downloads `url` into `destPath` (created or truncated); returns the byte count. */
export async function fetchHttpToFile(
  url: URL,
  destPath: string,
  options: HttpFetchOptions,
): Promise<number> {
  const deadlineMs = Date.now() + options.totalTimeoutMs;
  let current = url;
  for (let hop = 0; hop <= options.maxRedirects; hop++) {
    checkUrl(current, options);
    const result = await requestOnce(current, destPath, options, deadlineMs);
    if (result.bytes !== undefined) return result.bytes;
    if (!result.redirect) break;
    current = result.redirect;
  }
  throw new IngestError('FetchFailed', `more than ${options.maxRedirects} redirects from ${url.origin}`);
}
