import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  AddressError,
  canonicalAddress,
  dhtSubnet,
  isAddress,
  isDialable,
  isLoopback,
  isRoutable,
  networkGroup,
  parseAddress,
  parseHost,
  tryParseAddress,
} from '../src'
import { ADDRESS_CASES } from './address-cases'

describe('the address module on tricky inputs', () => {
  for (const c of ADDRESS_CASES) {
    it(c.name, () => {
      const parsed = tryParseAddress(c.input)
      expect(parsed?.address).toBe(c.canonical)
      expect(isAddress(c.input)).toBe(c.canonical !== undefined)
      if (c.canonical === undefined) {
        expect(() => parseAddress(c.input)).toThrow(AddressError)
        expect(networkGroup(c.input)).toBeUndefined()
        return
      }
      expect(networkGroup(c.input)).toBe(c.group)
      expect(dhtSubnet(c.input)).toBe(c.subnet)
      // The canonical form is a fixed point with the same group and subnet.
      expect(canonicalAddress(c.canonical)).toBe(c.canonical)
      expect(networkGroup(c.canonical)).toBe(c.group)
      expect(dhtSubnet(c.canonical)).toBe(c.subnet)
      // The bare host (as a socket reports it) names the same group and subnet as the address.
      const p = parseAddress(c.input)
      if (p.scheme !== 'memory') {
        expect(networkGroup(p.host)).toBe(c.group)
        expect(dhtSubnet(p.host)).toBe(c.subnet)
      }
      // A subnet is always inside its group.
      expect(c.subnet).toBeDefined()
    })
  }

  it('refusals are typed, with the code saying why', () => {
    expect(() => parseAddress('udp://1.2.3.4:1')).toThrow(
      expect.objectContaining({ code: 'ERR_UNSUPPORTED_PROTOCOL' }),
    )
    expect(() => parseAddress('tcp://1.2.3.4')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }),
    )
    expect(() => parseAddress(42 as unknown as string)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }),
    )
  })

  it('hosts as sockets report them', () => {
    expect(parseHost('::ffff:127.0.0.1')).toMatchObject({ host: '127.0.0.1', hostKind: 'ipv4' })
    expect(parseHost('[::1]')).toMatchObject({ host: '::1', hostKind: 'ipv6' })
    expect(parseHost('fe80::1%eth0')).toMatchObject({ host: 'fe80::1%eth0', hostKind: 'ipv6' })
    expect(parseHost('Seed.Example.org.')).toMatchObject({ host: 'seed.example.org', hostKind: 'dns' })
    expect(parseHost('127.1')).toBeUndefined()
    expect(parseHost('')).toBeUndefined()
    expect(networkGroup('::ffff:203.0.113.1')).toBe('ipv4:203.0')
    expect(networkGroup('2002:cb00:7105::1')).toBe('ipv4:203.0')
  })

  it('dialable, routable and loopback', () => {
    expect(isDialable(parseAddress('tcp://0.0.0.0:0'))).toBe(false)
    expect(isDialable(parseAddress('memory://x'))).toBe(true)
    expect(isRoutable(parseAddress('tcp://203.0.113.1:1'))).toBe(false)
    expect(isRoutable(parseAddress('tcp://8.8.8.8:1'))).toBe(true)
    expect(isRoutable(parseAddress('tcp://[fe80::1%25eth0]:1'))).toBe(false)
    expect(isRoutable(parseAddress('tcp://node.local:1'))).toBe(false)
    expect(isLoopback('tcp://[::ffff:127.0.0.1]:1')).toBe(true)
    expect(isLoopback('::1')).toBe(true)
    expect(isLoopback('tcp://localhost:1')).toBe(true)
    expect(isLoopback('memory://localhost')).toBe(false)
    expect(isLoopback('not an address')).toBe(false)
  })

  it('random strings never throw anything but AddressError, and canonical forms are fixed points', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }),
        fc.constantFrom('tcp://', 'ws://', 'wss://', 'memory://', ''),
        (s, scheme) => {
          const text = scheme + s
          try {
            const a = parseAddress(text)
            expect(canonicalAddress(a.address)).toBe(a.address)
            expect(networkGroup(a)).toBe(networkGroup(a.address))
          } catch (err) {
            expect(AddressError.isInstance(err)).toBe(true)
          }
        },
      ),
      { numRuns: 5_000 },
    )
  })
})

describe('parseIpv6', () => {
  it("agrees with Node's inet_pton on what is an IPv6 literal, and with WHATWG URL on its canonical text", async () => {
    const { isIPv6 } = await import('node:net')
    const { formatIp, parseIpv6 } = await import('../src')
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...'0123456789abcdefABCDEF:::::....'), { maxLength: 40 }),
        (chars) => {
          const text = chars.join('')
          const bytes = parseIpv6(text)
          expect(bytes !== undefined).toBe(isIPv6(text))
          if (bytes !== undefined) {
            const whatwg = new URL(`http://[${text}]/`).hostname.slice(1, -1)
            if (!whatwg.startsWith('::ffff:')) expect(formatIp(bytes)).toBe(whatwg)
          }
        },
      ),
      { numRuns: 20_000 },
    )
  })
})
