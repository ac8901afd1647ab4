import { BlockList, isIP } from 'node:net';

/**
 * IPv4 ranges that are not the public internet (IANA special-purpose registry): this host and
 * network, private networks, CGNAT, loopback, link-local (cloud metadata at 169.254.169.254),
 * protocol assignments, documentation and benchmarking, multicast, reserved and broadcast.
 */
const PRIVATE_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

/**
 * IPv6 ranges that are not the public internet. `::/96` holds `::`, `::1` and the deprecated
 * IPv4-compatible addresses; IPv4-mapped addresses (`::ffff:a.b.c.d`) need no entry, as
 * BlockList checks them against the IPv4 rules. Teredo (2001::/32, inside 2001::/23) hides an
 * IPv4 address that cannot be checked, so it is refused whole.
 */
const PRIVATE_V6: ReadonlyArray<readonly [string, number]> = [
  ['::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

/** The IPv4 range `a.b.c.d/bits` written as the 32 low bits of an IPv6 group pair. */
function v4Groups(address: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = address.split('.').map(Number);
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

function buildBlockList(): BlockList {
  const list = new BlockList();
  for (const [network, bits] of PRIVATE_V4) {
    list.addSubnet(network, bits, 'ipv4');
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address a gateway may forward to.
    list.addSubnet(`64:ff9b::${v4Groups(network)}`, 96 + bits, 'ipv6');
    list.addSubnet(`2002:${v4Groups(network)}::`, 16 + bits, 'ipv6');
  }
  for (const [network, bits] of PRIVATE_V6) list.addSubnet(network, bits, 'ipv6');
  return list;
}

const PRIVATE = buildBlockList();

/**
 * Whether an IP address is loopback, private, link-local or otherwise not on the public internet.
 * Anything that is not a plain IP address (a zone id, a name) counts as private: refusing is the
 * safe answer to what cannot be classified.
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0 || address.includes('%')) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A URL's host as the connection sees it: IPv6 literals without their brackets. */
export function connectHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Whether a URL names a private address without any lookup: an IP literal in a private range
 * (the URL parser has already turned `2130706433` or `0x7f.1` into `127.0.0.1`) or a
 * `localhost` name, which resolvers answer locally (RFC 6761).
 */
export function namesPrivateHost(url: URL): boolean {
  const host = connectHost(url).toLowerCase().replace(/\.$/, '');
  if (isIP(host) !== 0) return isPrivateAddress(host);
  return host === 'localhost' || host.endsWith('.localhost');
}
