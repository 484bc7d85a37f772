import { describe, expect, it } from 'vitest'
import { addressGroup, groupOfHost, isRoutable, parseAddress } from '../src/index'

const group = (a: string): string => addressGroup(parseAddress(a) ?? assertNever(a))
function assertNever(a: string): never {
  throw new Error(`unparsable in test: ${a}`)
}

describe('parseAddress', () => {
  it('canonicalises scheme, host, IPv6 and default ports', () => {
    expect(parseAddress('TCP://1.2.3.4:8333')?.address).toBe('tcp://1.2.3.4:8333')
    expect(parseAddress('tcp://[2001:DB8:0:0:0:0:0:1]:9000')?.address).toBe('tcp://[2001:db8::1]:9000')
    expect(parseAddress('tcp://[::ffff:1.2.3.4]:1')?.address).toBe('tcp://1.2.3.4:1')
    expect(parseAddress('ws://Example.COM/p2p')?.address).toBe('ws://example.com:80/p2p')
    expect(parseAddress('wss://node.example.org')?.address).toBe('wss://node.example.org:443')
    expect(parseAddress('ws://1.2.3.4:81/')?.address).toBe('ws://1.2.3.4:81')
    expect(parseAddress('memory://node-1')).toMatchObject({ address: 'memory://node-1', hostKind: 'memory' })
    expect(parseAddress('tcp://[2001:0:0:1:0:0:0:1]:1')?.host).toBe('2001:0:0:1::1')
  })

  it('refuses what is not a dialable chainwire address', () => {
    for (const bad of [
      'tcp://1.2.3.4', // tcp needs a port
      'tcp://1.2.3.4:0',
      'tcp://1.2.3.4:65536',
      'tcp://01.2.3.4:1', // octal-looking
      'tcp://1.2.3:1', // shorthand IPv4
      'tcp://user@1.2.3.4:1',
      'tcp://1.2.3.4:1/path', // tcp has no path
      'tcp://[fe80::1%eth0]:1',
      'tcp://[::1:1',
      'udp://1.2.3.4:1',
      'http://example.com',
      'memory://',
      'memory://a/b',
      'not a url',
      `tcp://${'a'.repeat(300)}.com:1`,
    ]) {
      expect(parseAddress(bad), bad).toBeUndefined()
    }
  })
})

describe('network groups', () => {
  it('IPv4 is grouped by /16', () => {
    expect(group('tcp://8.8.4.4:1')).toBe('ipv4:8.8')
    expect(group('tcp://8.8.200.1:2')).toBe(group('ws://8.8.0.1:80'))
    expect(group('tcp://8.9.4.4:1')).not.toBe(group('tcp://8.8.4.4:1'))
  })

  it('IPv6 is grouped by /32, with embedded IPv4 and Hurricane Electric handled', () => {
    expect(group('tcp://[2a01:4f8:1:2::1]:1')).toBe('ipv6:2a01:4f8')
    expect(group('tcp://[2a01:4f8:ffff::1]:1')).toBe(group('tcp://[2a01:4f8:1:2::1]:1'))
    expect(group('tcp://[2a01:4f9::1]:1')).not.toBe(group('tcp://[2a01:4f8::1]:1'))
    // 6to4 2002:0808:0404:: carries 8.8.4.4
    expect(group('tcp://[2002:808:404::1]:1')).toBe('ipv4:8.8')
    // Teredo: the client IPv4 is stored inverted in the last 32 bits (8.8.4.4 -> f7f7:fbfb)
    expect(group('tcp://[2001:0:4136:e378:8000:63bf:f7f7:fbfb]:1')).toBe('ipv4:8.8')
    // NAT64 well-known prefix
    expect(group('tcp://[64:ff9b::808:404]:1')).toBe('ipv4:8.8')
    // IPv4-mapped folds to IPv4
    expect(group('tcp://[::ffff:8.8.4.4]:1')).toBe('ipv4:8.8')
    // Hurricane Electric hands out /48s from 2001:470::/32, so the /36 is the unit.
    expect(group('tcp://[2001:470:1000::1]:1')).not.toBe(group('tcp://[2001:470:2000::1]:1'))
    expect(group('tcp://[2001:470:1000::1]:1')).toBe(group('tcp://[2001:470:1fff::1]:1'))
  })

  it('DNS names use their last two labels and memory names are their own group', () => {
    expect(group('wss://a.b.example.com')).toBe('dns:example.com')
    expect(group('ws://example.com:8080')).toBe('dns:example.com')
    expect(group('memory://a')).toBe('memory:a')
    expect(group('memory://b')).not.toBe(group('memory://a'))
  })

  it('groupOfHost accepts bare IPs and URLs', () => {
    expect(groupOfHost('8.8.4.4')).toBe('ipv4:8.8')
    expect(groupOfHost('::ffff:8.8.4.4')).toBe('ipv4:8.8')
    expect(groupOfHost('[2a01:4f8::1]')).toBe('ipv6:2a01:4f8')
    expect(groupOfHost('tcp://8.8.4.4:5')).toBe('ipv4:8.8')
    expect(groupOfHost('nonsense')).toBeUndefined()
  })
})

describe('isRoutable', () => {
  it('refuses private, loopback, link-local, documentation and local names', () => {
    for (const a of [
      'tcp://127.0.0.1:1',
      'tcp://10.1.2.3:1',
      'tcp://172.16.0.1:1',
      'tcp://192.168.1.1:1',
      'tcp://100.64.0.1:1',
      'tcp://169.254.1.1:1',
      'tcp://203.0.113.5:1',
      'tcp://0.1.2.3:1',
      'tcp://224.0.0.1:1',
      'tcp://255.255.255.255:1',
      'tcp://[::1]:1',
      'tcp://[fd00::1]:1',
      'tcp://[fe80::1]:1',
      'tcp://[2001:db8::1]:1',
      'ws://localhost:1',
      'ws://printer.local:1',
    ]) {
      expect(isRoutable(parseAddress(a) ?? assertNever(a)), a).toBe(false)
    }
  })

  it('accepts public addresses, public names and memory addresses', () => {
    for (const a of ['tcp://8.8.8.8:1', 'tcp://[2a01:4f8::1]:1', 'wss://seed.example.com', 'memory://x']) {
      expect(isRoutable(parseAddress(a) ?? assertNever(a)), a).toBe(true)
    }
  })
})
