/**
 * Tricky addresses and what chainwire makes of each: the canonical form (or refusal), the network group and
 * the DHT subnet. One table, checked once against the address module, and reused by the packages' tests to
 * prove that their defences (network's inbound caps and eviction groups, peer-store's buckets, the DHT's
 * subnet limits) name the same group for every input.
 */
export interface AddressCase {
  /** What the case is about. */
  name: string
  input: string
  /** The canonical address, or undefined when the input must be refused. */
  canonical: string | undefined
  group?: string
  subnet?: string
}

const long63 = 'a'.repeat(63)
/** A 253-character host (the DNS maximum): four labels of 63 and one of 1. */
const host253 = `${long63}.${long63}.${long63}.${long63.slice(0, 59)}.x`
/** 255 characters: two over the DNS maximum. */
const host255 = `${long63}.${long63}.${long63}.${long63}`

export const ADDRESS_CASES: readonly AddressCase[] = [
  {
    name: 'plain IPv4',
    input: 'tcp://203.0.113.7:8333',
    canonical: 'tcp://203.0.113.7:8333',
    group: 'ipv4:203.0',
    subnet: 'ipv4:203.0.113',
  },
  {
    name: 'uppercase scheme',
    input: 'TCP://203.0.113.7:8333',
    canonical: 'tcp://203.0.113.7:8333',
    group: 'ipv4:203.0',
    subnet: 'ipv4:203.0.113',
  },
  {
    name: 'IPv4 leading zero (octal-looking) refused',
    input: 'tcp://203.0.113.07:8333',
    canonical: undefined,
  },
  { name: 'IPv4 shorthand refused', input: 'tcp://127.1:8333', canonical: undefined },
  { name: 'IPv4 octet out of range refused', input: 'tcp://256.1.1.1:1', canonical: undefined },
  {
    name: 'IPv4 with a trailing dot',
    input: 'tcp://203.0.113.7.:8333',
    canonical: 'tcp://203.0.113.7:8333',
    group: 'ipv4:203.0',
    subnet: 'ipv4:203.0.113',
  },
  {
    name: 'IPv6 in brackets, uppercase, uncompressed',
    input: 'tcp://[2001:0DB8:0000:0000:0000:0000:0000:0001]:9000',
    canonical: 'tcp://[2001:db8::1]:9000',
    group: 'ipv6:2001:db8',
    subnet: 'ipv6:2001:db8:0',
  },
  { name: 'IPv6 without brackets refused', input: 'tcp://2001:db8::1:9000', canonical: undefined },
  {
    name: 'IPv6 /48 subnet',
    input: 'tcp://[2a01:4f8:c0c:1234::5]:30303',
    canonical: 'tcp://[2a01:4f8:c0c:1234::5]:30303',
    group: 'ipv6:2a01:4f8',
    subnet: 'ipv6:2a01:4f8:c0c',
  },
  {
    name: 'IPv4-mapped IPv6 is the IPv4 host',
    input: 'tcp://[::ffff:203.0.113.9]:8333',
    canonical: 'tcp://203.0.113.9:8333',
    group: 'ipv4:203.0',
    subnet: 'ipv4:203.0.113',
  },
  {
    name: 'IPv4-mapped in hex',
    input: 'tcp://[::ffff:cb00:7109]:8333',
    canonical: 'tcp://203.0.113.9:8333',
    group: 'ipv4:203.0',
    subnet: 'ipv4:203.0.113',
  },
  {
    name: '6to4 counts as the embedded IPv4',
    input: 'tcp://[2002:cb00:7105::1]:8333',
    canonical: 'tcp://[2002:cb00:7105::1]:8333',
    group: 'ipv4:203.0',
    subnet: 'ipv4:203.0.113',
  },
  {
    name: 'Teredo counts as the client IPv4 (inverted)',
    input: 'tcp://[2001:0:4136:e378:8000:63bf:3fff:fdd2]:8333',
    canonical: 'tcp://[2001:0:4136:e378:8000:63bf:3fff:fdd2]:8333',
    group: 'ipv4:192.0',
    subnet: 'ipv4:192.0.2',
  },
  {
    name: 'NAT64 counts as the embedded IPv4',
    input: 'tcp://[64:ff9b::c000:221]:8333',
    canonical: 'tcp://[64:ff9b::c000:221]:8333',
    group: 'ipv4:192.0',
    subnet: 'ipv4:192.0.2',
  },
  {
    name: 'Hurricane Electric uses the /36',
    input: 'tcp://[2001:470:1f0b:abc::1]:8333',
    canonical: 'tcp://[2001:470:1f0b:abc::1]:8333',
    group: 'ipv6:2001:470:1000::/36',
    subnet: 'ipv6:2001:470:1f0b',
  },
  {
    name: 'link-local with a zone id',
    input: 'tcp://[fe80::1%25eth0]:8333',
    canonical: 'tcp://[fe80::1%25eth0]:8333',
    group: 'ipv6:fe80:0',
    subnet: 'ipv6:fe80:0:0',
  },
  { name: 'zone id written without %25 refused', input: 'tcp://[fe80::1%eth0]:8333', canonical: undefined },
  {
    name: 'loopback IPv6',
    input: 'ws://[::1]:8080/p2p',
    canonical: 'ws://[::1]:8080/p2p',
    group: 'ipv6:0:0',
    subnet: 'ipv6:0:0:0',
  },
  {
    name: 'DNS name: uppercase and trailing dot',
    input: 'tcp://Seed1.Example.ORG.:8333',
    canonical: 'tcp://seed1.example.org:8333',
    group: 'dns:example.org',
    subnet: 'dns:seed1.example.org',
  },
  {
    name: 'DNS name: registrable domain groups subdomains',
    input: 'wss://a.b.seed.example.org/ws',
    canonical: 'wss://a.b.seed.example.org:443/ws',
    group: 'dns:example.org',
    subnet: 'dns:a.b.seed.example.org',
  },
  {
    name: 'ws default port and root path',
    input: 'ws://node.example.net/',
    canonical: 'ws://node.example.net:80',
    group: 'dns:example.net',
    subnet: 'dns:node.example.net',
  },
  {
    name: '253-character host accepted',
    input: `tcp://${host253}:1`,
    canonical: `tcp://${host253}:1`,
    group: `dns:${long63.slice(0, 59)}.x`,
    subnet: `dns:${host253}`,
  },
  { name: '255-character host refused', input: `tcp://${host255}:1`, canonical: undefined },
  {
    name: 'a 280-character ws URL is an address everywhere',
    input: `ws://n.example.com:80/${'p'.repeat(257)}`,
    canonical: `ws://n.example.com:80/${'p'.repeat(257)}`,
    group: 'dns:example.com',
    subnet: 'dns:n.example.com',
  },
  {
    name: 'over 300 characters refused',
    input: `ws://n.example.com:80/${'p'.repeat(280)}`,
    canonical: undefined,
  },
  { name: 'numeric last label refused', input: 'tcp://host.123:1', canonical: undefined },
  { name: 'underscore in a host refused', input: 'tcp://my_host.example.com:1', canonical: undefined },
  { name: 'user info refused', input: 'tcp://user@203.0.113.7:1', canonical: undefined },
  { name: 'query refused', input: 'ws://203.0.113.7:1/p?x=1', canonical: undefined },
  { name: 'tcp without a port refused', input: 'tcp://203.0.113.7', canonical: undefined },
  { name: 'port out of range refused', input: 'tcp://203.0.113.7:65536', canonical: undefined },
  {
    name: 'port 0 parses (listening)',
    input: 'tcp://0.0.0.0:0',
    canonical: 'tcp://0.0.0.0:0',
    group: 'ipv4:0.0',
    subnet: 'ipv4:0.0.0',
  },
  { name: 'unknown scheme refused', input: 'udp://203.0.113.7:1', canonical: undefined },
  {
    name: 'memory name',
    input: 'memory://n42',
    canonical: 'memory://n42',
    group: 'memory:n42',
    subnet: 'memory:n42',
  },
  { name: 'memory name with a slash refused', input: 'memory://a/b', canonical: undefined },
]
