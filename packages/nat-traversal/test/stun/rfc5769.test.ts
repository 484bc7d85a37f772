import { describe, expect, it } from 'vitest'
import { decodeAddress, mappedAddressOf, readText } from '../../src/stun/attributes'
import {
  attribute,
  decodeStun,
  encodeStun,
  longTermKey,
  StunAttr,
  StunMethod,
  shortTermKey,
  verifyIntegrity,
} from '../../src/stun/message'

/** RFC 5769's sample messages, byte for byte as the RFC prints them. */
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'))

const request = hex(`
  00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
  00 24 00 04 6e 00 01 ff
  80 29 00 08 93 2f f9 b1 51 26 3b 36
  00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
  00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
  80 28 00 04 e5 7a 3b cf`)

const responseV4 = hex(`
  01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 08 00 01 a1 47 e1 12 a6 43
  00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
  80 28 00 04 c0 7d 4c 96`)

const responseV6 = hex(`
  01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
  00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
  80 28 00 04 c8 fb 0b 4c`)

const longTerm = hex(`
  00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
  00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
  00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
  00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
  00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66`)

const PASSWORD = 'VOkJxbRl1RmTxUk/WvJxBt'

describe('RFC 5769 sample messages', () => {
  it('2.1 request: decodes, fingerprint and short-term integrity check', () => {
    const m = decodeStun(request)
    expect(m.method).toBe(StunMethod.binding)
    expect(m.cls).toBe('request')
    expect(m.hasFingerprint).toBe(true)
    expect(readText(attribute(m, StunAttr.username) as Uint8Array)).toBe('evtj:h6vY')
    expect(readText(attribute(m, StunAttr.software) as Uint8Array)).toBe('STUN test client')
    expect(verifyIntegrity(m, shortTermKey(PASSWORD))).toBe(true)
    expect(verifyIntegrity(m, shortTermKey('wrong'))).toBe(false)
  })

  it('2.2 IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853', () => {
    const m = decodeStun(responseV4)
    expect(m.cls).toBe('success')
    expect(mappedAddressOf(m)).toEqual({ family: 'ipv4', host: '192.0.2.1', port: 32853 })
    expect(verifyIntegrity(m, shortTermKey(PASSWORD))).toBe(true)
  })

  it('2.3 IPv6 response: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853', () => {
    const m = decodeStun(responseV6)
    expect(mappedAddressOf(m)).toEqual({
      family: 'ipv6',
      host: '2001:db8:1234:5678:11:2233:4455:6677',
      port: 32853,
    })
    expect(verifyIntegrity(m, shortTermKey(PASSWORD))).toBe(true)
  })

  it('2.4 long-term credentials: username, nonce, realm and the MD5 key', () => {
    const m = decodeStun(longTerm)
    expect(readText(attribute(m, StunAttr.username) as Uint8Array)).toBe(
      '\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9',
    )
    expect(readText(attribute(m, StunAttr.nonce) as Uint8Array)).toBe('f//499k954d6OL34oL9FSTvy64sA')
    expect(readText(attribute(m, StunAttr.realm) as Uint8Array)).toBe('example.org')
    // The password after SASLprep ("The\u00ADM\u00AAtr\u2168" maps to "TheMatrIX").
    expect(
      verifyIntegrity(m, longTermKey('\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9', 'example.org', 'TheMatrIX')),
    ).toBe(true)
  })

  it('re-encodes the responses from their attributes into messages that verify the same way', () => {
    for (const sample of [responseV4, responseV6]) {
      const m = decodeStun(sample)
      const again = encodeStun(
        { method: m.method, cls: m.cls, transactionId: m.transactionId, attributes: m.attributes },
        { integrityKey: shortTermKey(PASSWORD) },
      )
      // Same size and header; the samples pad SOFTWARE with a space where chainwire writes a zero, so the
      // bytes from there on (and so the HMAC and CRC) differ, but the result decodes to the same message.
      expect(again.length).toBe(sample.length)
      expect(Buffer.from(again.subarray(0, 31)).equals(Buffer.from(sample.subarray(0, 31)))).toBe(true)
      const back = decodeStun(again)
      expect(mappedAddressOf(back)).toEqual(mappedAddressOf(m))
      expect(verifyIntegrity(back, shortTermKey(PASSWORD))).toBe(true)
    }
  })

  it('decodes a plain MAPPED-ADDRESS too', () => {
    expect(decodeAddress(hex('00 01 80 55 c0 00 02 01'))).toEqual({
      family: 'ipv4',
      host: '192.0.2.1',
      port: 32853,
    })
  })
})
