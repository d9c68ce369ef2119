// Addresses an http(s) video URI must not reach unless the pipeline allows private networks:
// loopback, private, carrier-grade NAT, link-local (incl. the cloud metadata endpoint
// 169.254.169.254), unique-local IPv6 (fd00:ec2::254 is AWS's IPv6 metadata), multicast and
// reserved ranges. IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) are checked as IPv4 by
// net.BlockList. Sources: RFC 6890 (special-purpose registries), RFC 4193, RFC 6598.
import net from 'node:net';

const ipv4Subnets: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network", incl. 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, metadata
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

const ipv6Subnets: Array<[string, number]> = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64: embeds an IPv4 address that could be private
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local, incl. fd00::/8
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
];

/** Builds the list once per ingestor (no module-level state). */
export function createForbiddenAddresses(): net.BlockList {
  const list = new net.BlockList();
  for (const [address, prefix] of ipv4Subnets) list.addSubnet(address, prefix, 'ipv4');
  for (const [address, prefix] of ipv6Subnets) list.addSubnet(address, prefix, 'ipv6');
  return list;
}

/** True when `address` (an IP literal) is forbidden; a string that is not an IP is forbidden too. */
export function isForbiddenAddress(list: net.BlockList, address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return list.check(address, 'ipv4');
  if (family === 6) return list.check(address, 'ipv6');
  return true;
}
