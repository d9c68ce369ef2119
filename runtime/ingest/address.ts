// Addresses an http(s) video URI must not reach (SSRF): loopback, private, carrier-grade NAT,
// link-local, unique-local IPv6, multicast and reserved ranges, unless the pipeline allows private
// networks; and the cloud metadata endpoints ALWAYS (a pipeline that reads videos from an
// internal server still has no business reading the node's credentials). IPv6 forms that embed an
// IPv4 address are judged by that address: IPv4-mapped (::ffff:0:0/96), IPv4-compatible (::/96),
// 6to4 (2002::/16) and NAT64 (64:ff9b::/96); local-use NAT64 (64:ff9b:1::/48, RFC 8215) and Teredo
// (2001::/32, whose embedded address is obfuscated) are refused outright.
// Sources: RFC 6890 (special-purpose registries), RFC 4193, RFC 6598, RFC 6052, RFC 3056, RFC 4380.
import net from 'node:net';

const privateIpv4: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network", incl. 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast
];

const privateIpv6: Array<[string, number]> = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local, incl. fd00::/8
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
];

/** Refused even with allowPrivateNetworks: where clouds serve instance metadata and credentials. */
const metadataIpv4: Array<[string, number]> = [
  ['169.254.0.0', 16], // link-local: AWS/GCP/Azure/OCI 169.254.169.254, ECS 169.254.170.2
  ['100.100.100.200', 32], // Alibaba Cloud
];
const metadataIpv6: Array<[string, number]> = [
  ['fd00:ec2::', 32], // AWS IPv6 metadata fd00:ec2::254
  ['fe80::', 10], // link-local
  ['64:ff9b:1::', 48], // local-use NAT64: where it leads is site-specific
  ['2001::', 32], // Teredo
];

export interface AddressPolicy {
  /** True when a connection to `address` (an IP literal) must not be made. */
  forbids(address: string): boolean;
}

/** Built once per ingestor (no module-level state). */
export function createAddressPolicy(options: { allowPrivateNetworks: boolean }): AddressPolicy {
  const list = new net.BlockList();
  const add = (subnets: Array<[string, number]>, family: 'ipv4' | 'ipv6') => {
    for (const [address, prefix] of subnets) list.addSubnet(address, prefix, family);
  };
  add(metadataIpv4, 'ipv4');
  add(metadataIpv6, 'ipv6');
  if (!options.allowPrivateNetworks) {
    add(privateIpv4, 'ipv4');
    add(privateIpv6, 'ipv6');
  }
  return {
    forbids(address) {
      const family = net.isIP(address);
      if (family === 4) return list.check(address, 'ipv4');
      if (family !== 6) return true; // not an IP literal
      if (list.check(address, 'ipv6')) return true;
      const embedded = embeddedIpv4(address);
      return embedded !== undefined && list.check(embedded, 'ipv4');
    },
  };
}

/** The 16-bit groups of an IPv6 literal (with a trailing dotted quad allowed), or undefined. */
export function ipv6Groups(address: string): number[] | undefined {
  if (net.isIP(address) !== 6) return undefined;
  let text = address.toLowerCase().split('%')[0]!;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 ? groups : undefined;
}

const ipv4Of = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/** The IPv4 address an IPv6 literal carries (mapped, compatible, NAT64 well-known, 6to4), if any. */
export function embeddedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (!g) return undefined;
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && (g[5] === 0xffff || g[5] === 0)) {
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated); :: and ::1 stay IPv6.
    if (g[5] === 0 && g[6] === 0 && g[7]! <= 1) return undefined;
    return ipv4Of(g[6]!, g[7]!);
  }
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return ipv4Of(g[6]!, g[7]!);
  if (g[0] === 0x2002) return ipv4Of(g[1]!, g[2]!);
  return undefined;
}
