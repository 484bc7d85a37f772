import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NatError } from '../../src/errors'
import {
  decodeAddress,
  decodeErrorCode,
  mappedAddressOf,
  xorAddressAttribute,
} from '../../src/stun/attributes'
import { decodeStun, encodeStun, StunAttr, type StunClass, verifyIntegrity } from '../../src/stun/message'

const classes: StunClass[] = ['request', 'indication', 'success', 'error']
const message = fc.record({
  method: fc.integer({ min: 0, max: 0xfff }),
  cls: fc.constantFrom(...classes),
  transactionId: fc.uint8Array({ minLength: 12, maxLength: 12 }),
  attributes: fc.array(
    fc.record({
      type: fc
        .integer({ min: 0, max: 0xffff })
        .filter((t) => t !== StunAttr.fingerprint && t !== StunAttr.messageIntegrity),
      value: fc.uint8Array({ maxLength: 64 }),
    }),
    { maxLength: 12 },
  ),
})

/** Decoding throws only typed errors (or returns): never a RangeError, TypeError or a hang. */
function decodesOrTypedError(bytes: Uint8Array): void {
  try {
    const m = decodeStun(bytes)
    try {
      mappedAddressOf(m)
    } catch (err) {
      expect(NatError.isInstance(err) && err.code).toBe('ERR_STUN_MALFORMED')
    }
  } catch (err) {
    expect(NatError.isInstance(err) && err.code).toBe('ERR_STUN_MALFORMED')
  }
}

describe('STUN codec properties', () => {
  it('round-trips any message, with integrity and fingerprint', () => {
    fc.assert(
      fc.property(message, fc.uint8Array({ minLength: 1, maxLength: 32 }), (m, key) => {
        const bytes = encodeStun(m, { integrityKey: key })
        const back = decodeStun(bytes)
        expect(back.method).toBe(m.method)
        expect(back.cls).toBe(m.cls)
        expect(Buffer.from(back.transactionId).equals(Buffer.from(m.transactionId))).toBe(true)
        expect(back.attributes.map((a) => [a.type, Buffer.from(a.value).toString('hex')])).toEqual(
          m.attributes.map((a) => [a.type, Buffer.from(a.value).toString('hex')]),
        )
        expect(back.hasFingerprint).toBe(true)
        expect(verifyIntegrity(back, key)).toBe(true)
      }),
    )
  })

  it('random bytes give only typed errors', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), decodesOrTypedError), { numRuns: 2_000 })
  })

  it('mutated valid messages give typed errors, and a flipped bit never passes the fingerprint', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 0, max: 7 }), (m, at, bit) => {
        const bytes = encodeStun(m)
        const i = at % bytes.length
        const mutated = new Uint8Array(bytes)
        mutated[i] = (mutated[i] as number) ^ (1 << bit)
        decodesOrTypedError(mutated)
        // A flipped bit anywhere but the length field is caught by the length check or the CRC, unless it
        // hid FINGERPRINT (its type changed, or an attribute length now swallows it): then no fingerprint is left.
        if (i === 2 || i === 3) return
        let decoded: ReturnType<typeof decodeStun>
        try {
          decoded = decodeStun(mutated)
        } catch {
          return
        }
        expect(decoded.hasFingerprint).toBe(false)
      }),
      { numRuns: 2_000 },
    )
  })

  it('truncations and extensions give typed errors', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.uint8Array({ maxLength: 16 }), (m, cut, extra) => {
        const bytes = encodeStun(m)
        decodesOrTypedError(bytes.subarray(0, cut % bytes.length))
        decodesOrTypedError(new Uint8Array([...bytes, ...extra]))
      }),
    )
  })

  it('address and error-code attributes: round trip and typed errors', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.ipV4(), fc.ipV6()),
        fc.integer({ min: 0, max: 65535 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        (ip, port, tid) => {
          const a = xorAddressAttribute(StunAttr.xorMappedAddress, { host: ip, port }, tid)
          const back = decodeAddress(a.value, tid)
          expect(back.port).toBe(port)
        },
      ),
    )
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        for (const f of [() => decodeAddress(bytes), () => decodeErrorCode(bytes)]) {
          try {
            f()
          } catch (err) {
            expect(NatError.isInstance(err) && err.code).toBe('ERR_STUN_MALFORMED')
          }
        }
      }),
    )
  })
})
