// The operator's download of an http(s) model for the model check: a GET whose body is streamed to
// the caller, with a connect/idle timeout, a redirect limit (every hop checked again) and no
// connection to link-local or cloud metadata addresses (checked on the resolved address, so a
// name that resolves there is refused too). Private addresses stay allowed: model servers are
// often in the cluster. The URI comes from a ModelSession, so the operator would otherwise fetch
// whatever a namespace user names; the metadata service is the one address that would hand the
// operator's cloud identity to them.
import type { LookupAddress, LookupOptions } from 'node:dns';
import dns from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';

const metadata = new BlockList();
metadata.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local: AWS, GCP, Azure, OpenStack metadata
metadata.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
metadata.addSubnet('fe80::', 10, 'ipv6');
metadata.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6

export function isMetadataAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return metadata.check(mapped, 'ipv4');
  const family = isIP(address);
  if (family === 0) return false;
  return metadata.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class FetchError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.name = 'FetchError';
    this.status = status;
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

function checkedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const bad = addresses.find((a) => isMetadataAddress(a.address));
    if (bad)
      return callback(new FetchError(`${hostname} resolves to the metadata address ${bad.address}`), []);
    const first = addresses[0];
    if (!first)
      return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
    if (options.all) callback(null, addresses);
    else callback(null, first.address, first.family);
  });
}

export interface HttpGetOptions {
  timeoutMs: number;
  signal: AbortSignal;
  maxRedirects?: number;
}

function requestOnce(url: URL, options: HttpGetOptions): Promise<IncomingMessage> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isMetadataAddress(host)) return Promise.reject(new FetchError(`${host} is a metadata address`));
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: 'GET',
      agent: false,
      lookup: checkedLookup as unknown as typeof dns.lookup,
      headers: { 'user-agent': 'vpo-operator-model-check' },
      signal: options.signal,
      timeout: options.timeoutMs,
    });
    req.on('timeout', () => req.destroy(new FetchError(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.on('response', resolve);
    req.end();
  });
}

/** GET `uri` following up to 3 redirects; resolves with a 2xx response whose body is unread. */
export async function httpGet(uri: string, options: HttpGetOptions): Promise<IncomingMessage> {
  let url = new URL(uri);
  for (let hop = 0; hop <= (options.maxRedirects ?? 3); hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new FetchError(`redirected to ${url.protocol} (only http and https)`);
    const res = await requestOnce(url, options);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      url = new URL(res.headers.location, url);
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw new FetchError(`HTTP ${status}`, status);
    }
    return res;
  }
  throw new FetchError(`more than ${options.maxRedirects ?? 3} redirects`);
}
