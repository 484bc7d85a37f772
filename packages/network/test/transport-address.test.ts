import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  canonicalAddress,
  formatAddress,
  formatHost,
  isLoopback,
  MAX_ADDRESS_LENGTH,
  normalizeHost,
  type ParsedAddress,
  parseAddress,
  TransportError,
} from '../src/transport/index'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    expect(TransportError.isInstance(err)).toBe(true)
    return (err as TransportError).code
  }
  return undefined
}

describe('parseAddress', () => {
  it.each<[string, ParsedAddress]>([
    ['tcp://127.0.0.1:4000', { protocol: 'tcp:', host: '127.0.0.1', hostKind: 'ipv4', port: 4000, path: '' }],
    ['tcp://[::1]:4000', { protocol: 'tcp:', host: '::1', hostKind: 'ipv6', port: 4000, path: '' }],
    [
      'TCP://Seed.Example.ORG:0',
      { protocol: 'tcp:', host: 'seed.example.org', hostKind: 'dns', port: 0, path: '' },
    ],
    [
      'tcp://127.0.0.1:4000/',
      { protocol: 'tcp:', host: '127.0.0.1', hostKind: 'ipv4', port: 4000, path: '' },
    ],
    [
      'tcp://[2001:DB8:0:0:0:0:0:1]:65535',
      { protocol: 'tcp:', host: '2001:db8::1', hostKind: 'ipv6', port: 65535, path: '' },
    ],
    [
      'tcp://[::ffff:192.0.2.1]:1',
      { protocol: 'tcp:', host: '::ffff:192.0.2.1', hostKind: 'ipv6', port: 1, path: '' },
    ],
    [
      'tcp://[fe80::1%25eth0]:4000',
      { protocol: 'tcp:', host: 'fe80::1%eth0', hostKind: 'ipv6', port: 4000, path: '' },
    ],
    [
      'ws://10.0.0.1:8080/p2p',
      { protocol: 'ws:', host: '10.0.0.1', hostKind: 'ipv4', port: 8080, path: '/p2p' },
    ],
    ['ws://node.local', { protocol: 'ws:', host: 'node.local', hostKind: 'dns', port: 80, path: '/' }],
    [
      'wss://seed.example.org/a/b%20c',
      { protocol: 'wss:', host: 'seed.example.org', hostKind: 'dns', port: 443, path: '/a/b%20c' },
    ],
    ['wss://[::1]:443/', { protocol: 'wss:', host: '::1', hostKind: 'ipv6', port: 443, path: '/' }],
    ['memory://node-1', { protocol: 'memory:', name: 'node-1' }],
    ['memory://A.b_c~d', { protocol: 'memory:', name: 'A.b_c~d' }],
  ])('parses %s', (address, expected) => {
    expect(parseAddress(address)).toEqual(expected)
  })

  it.each([
    '',
    'tcp://',
    'tcp://127.0.0.1',
    'tcp://127.0.0.1:',
    'tcp://127.0.0.1:65536',
    'tcp://127.0.0.1:+1',
    'tcp://127.0.0.1:1e3',
    'tcp://256.0.0.1:1',
    'tcp://01.2.3.4:1',
    'tcp://1.2.3:1',
    'tcp://1.2.3.4.5:1',
    'tcp://::1:4000',
    'tcp://[::1]4000',
    'tcp://[::1:4000',
    'tcp://[127.0.0.1]:4000',
    'tcp://[fe80::1%eth0]:4000',
    'tcp://[fe80::1%25]:4000',
    'tcp://-bad-.example:1',
    'tcp://a..b:1',
    'tcp://host_name:1',
    'tcp://user@host:1',
    'tcp://host:1/path',
    'tcp://host:1?q',
    'tcp://host:1#f',
    'tcp:// host:1',
    'ws://host:1/p?q=1',
    'ws://host:1/p#f',
    'ws://host:1/p q',
    'ws://host:1/%zz',
    'ws://host:1/\n',
    'memory://',
    'memory://a/b',
    'memory://a:1',
    'memory://a b',
    `memory://${'n'.repeat(256)}`,
    `tcp://${'a'.repeat(64)}.org:1`,
    `ws://h:1/${'p'.repeat(MAX_ADDRESS_LENGTH)}`,
    'localhost:4000',
    '127.0.0.1:4000',
    '://x',
  ])('rejects %j with ERR_INVALID_ADDRESS', (address) => {
    expect(codeOf(() => parseAddress(address))).toBe('ERR_INVALID_ADDRESS')
  })

  it.each(['udp://127.0.0.1:4000', 'http://127.0.0.1/', 'quic://[::1]:1', 'unix://tmp'])(
    'rejects %s with ERR_UNSUPPORTED_PROTOCOL',
    (address) => {
      expect(codeOf(() => parseAddress(address))).toBe('ERR_UNSUPPORTED_PROTOCOL')
    },
  )

  it('rejects non-strings with ERR_INVALID_ADDRESS', () => {
    expect(codeOf(() => parseAddress(42 as unknown as string))).toBe('ERR_INVALID_ADDRESS')
  })

  it('never throws anything but a TransportError, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary', maxLength: 64 }),
          fc
            .tuple(
              fc.constantFrom('tcp://', 'ws://', 'wss://', 'memory://', 'x://'),
              fc.string({ maxLength: 60 }),
            )
            .map(([s, r]) => s + r),
        ),
        (input) => {
          try {
            parseAddress(input)
          } catch (err) {
            return TransportError.isInstance(err)
          }
          return true
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('formatAddress', () => {
  it.each([
    ['tcp://127.0.0.1:4000', 'tcp://127.0.0.1:4000'],
    ['tcp://[0:0:0:0:0:0:0:1]:4000/', 'tcp://[::1]:4000'],
    ['TCP://LOCALHOST:1', 'tcp://localhost:1'],
    ['ws://h.example', 'ws://h.example:80'],
    ['wss://h.example/', 'wss://h.example:443'],
    ['ws://[::1]:1/p2p', 'ws://[::1]:1/p2p'],
    ['tcp://[fe80::1%25eth0]:1', 'tcp://[fe80::1%25eth0]:1'],
    ['tcp://[::ffff:7f00:1]:1', 'tcp://[::ffff:127.0.0.1]:1'],
    ['memory://n', 'memory://n'],
  ])('canonicalises %s as %s', (input, output) => {
    expect(canonicalAddress(input)).toBe(output)
  })

  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'))
  const ipv6 = fc
    .array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })
    .map((g) => `[${g.map((x) => x.toString(16)).join(':')}]`)
  const dns = fc
    .array(fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?$/), { minLength: 1, maxLength: 4 })
    .map((labels) => labels.join('.'))
  const host = fc.oneof(ipv4, ipv6, dns)
  const path = fc
    .array(fc.stringMatching(/^[A-Za-z0-9._~-]{1,8}$/), { maxLength: 3 })
    .map((s) => `/${s.join('/')}`)
  const address = fc.oneof(
    fc.tuple(host, fc.nat(65535)).map(([h, p]) => `tcp://${h}:${p}`),
    fc
      .tuple(fc.constantFrom('ws', 'wss'), host, fc.nat(65535), path)
      .map(([s, h, p, x]) => `${s}://${h}:${p}${x}`),
    fc.stringMatching(/^[A-Za-z0-9._~-]{1,40}$/).map((n) => `memory://${n}`),
  )

  it('round-trips: parse(format(parse(a))) equals parse(a), and format is idempotent', () => {
    fc.assert(
      fc.property(address, (a) => {
        const parsed = parseAddress(a)
        const formatted = formatAddress(parsed)
        expect(parseAddress(formatted)).toEqual(parsed)
        expect(canonicalAddress(formatted)).toBe(formatted)
      }),
      { numRuns: 1000 },
    )
  })
})

describe('host helpers', () => {
  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7F00:1', '127.0.0.1'],
    ['[::1]', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1%eth0'],
    ['10.0.0.1', '10.0.0.1'],
    ['Example.ORG', 'example.org'],
  ])('normalizeHost(%s) = %s', (input, output) => {
    expect(normalizeHost(input)).toBe(output)
  })

  it('formatHost brackets IPv6 and escapes the zone', () => {
    expect(formatHost('::1')).toBe('[::1]')
    expect(formatHost('fe80::1%eth0')).toBe('[fe80::1%25eth0]')
    expect(formatHost('1.2.3.4')).toBe('1.2.3.4')
  })

  it.each([
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['localhost', true],
    ['node.localhost', true],
    ['tcp://127.0.0.1:4000', true],
    ['ws://[::1]:4000/p2p', true],
    ['10.0.0.1', false],
    ['::2', false],
    ['example.org', false],
    ['tcp://192.0.2.1:4000', false],
    ['memory://localhost', false],
    ['tcp://bad', false],
  ])('isLoopback(%s) = %s', (input, expected) => {
    expect(isLoopback(input)).toBe(expected)
  })
})
