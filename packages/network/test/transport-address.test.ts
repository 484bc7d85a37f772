/**
 * Network's addresses are @chainwire/interface's (one parser, canonical form and length limit for every
 * package; its own tests hold the rules): here, that the transports apply exactly those rules and raise
 * refusals as the TransportErrors their callers catch.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ADDRESS_CASES } from '../../interface/test/address-cases'
import {
  canonicalAddress,
  formatAddress,
  isLoopback,
  MAX_ADDRESS_LENGTH,
  normalizeHost,
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
  it.each(ADDRESS_CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    if (c.canonical === undefined) {
      expect(codeOf(() => parseAddress(c.input))).toMatch(/^ERR_(INVALID_ADDRESS|UNSUPPORTED_PROTOCOL)$/)
      return
    }
    const parsed = parseAddress(c.input)
    expect(parsed.address).toBe(c.canonical)
    expect(formatAddress(parsed)).toBe(c.canonical)
    expect(canonicalAddress(c.input)).toBe(c.canonical)
  })

  it('says why: ERR_UNSUPPORTED_PROTOCOL for another scheme, ERR_INVALID_ADDRESS for the rest', () => {
    for (const a of ['udp://127.0.0.1:4000', 'http://127.0.0.1/', 'quic://[::1]:1', 'unix://tmp']) {
      expect(
        codeOf(() => parseAddress(a)),
        a,
      ).toBe('ERR_UNSUPPORTED_PROTOCOL')
    }
    for (const a of [
      'tcp://127.0.0.1',
      'localhost:4000',
      '://x',
      `ws://h:1/${'p'.repeat(MAX_ADDRESS_LENGTH)}`,
    ]) {
      expect(
        codeOf(() => parseAddress(a)),
        a,
      ).toBe('ERR_INVALID_ADDRESS')
    }
    expect(codeOf(() => parseAddress(42 as unknown as string))).toBe('ERR_INVALID_ADDRESS')
    const err = (() => {
      try {
        parseAddress(`tcp://${'a'.repeat(200)}`)
      } catch (e) {
        return e as TransportError
      }
    })()
    expect(String(err?.details.address).length).toBeLessThanOrEqual(123)
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

  it.each([
    ['::ffff:127.0.0.1', true],
    ['tcp://127.0.0.1:4000', true],
    ['ws://[::1]:4000/p2p', true],
    ['tcp://192.0.2.1:4000', false],
    ['memory://localhost', false],
    ['tcp://bad', false],
  ])('isLoopback(%s) = %s', (input, expected) => {
    expect(isLoopback(input)).toBe(expected)
  })
})
