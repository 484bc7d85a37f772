import { isAddress, isPeerId, MAX_ADDRESS_LENGTH, PEER_ID_PATTERN } from '@chainwire/interface'
import { testPeerId } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
// The tricky-input table of the address module, shared by every package's tests.
import { ADDRESS_CASES } from '../../interface/test/address-cases'
import * as codec from '../src'
import { CodecError, decode, encode, LIMITS, type Message } from '../src'
import { rawEnvelope } from './helpers/raw'

function schemaErrorPath(fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (err) {
    if (!CodecError.isInstance(err)) throw err
    expect(err.code).toBe('ERR_SCHEMA')
    return String(err.details.path)
  }
}

describe("the wire schemas apply @chainwire/interface's address rule", () => {
  it.each(ADDRESS_CASES)('$name', ({ input, canonical }) => {
    const accepted = canonical !== undefined
    expect(isAddress(input)).toBe(accepted)
    const message = { type: 'observed_address', data: { addr: input } } as Message
    // Encoding validates...
    expect(schemaErrorPath(() => encode(message))).toBe(accepted ? undefined : 'data.addr')
    // ...and so does decoding bytes written without validation, as a peer could send them.
    const bytes = rawEnvelope('observed_address', null, [input])
    expect(schemaErrorPath(() => decode(bytes))).toBe(accepted ? undefined : 'data.addr')
    // The text travels as sent: the codec checks addresses, it does not canonicalise them.
    if (accepted) expect(decode(bytes)).toEqual(message)
  })

  it('has one length limit, the one of the address module', () => {
    expect(LIMITS.maxAddressBytes).toBe(MAX_ADDRESS_LENGTH)
    const longest = `ws://n.example.com:80/${'p'.repeat(MAX_ADDRESS_LENGTH - 22)}`
    expect(longest).toHaveLength(MAX_ADDRESS_LENGTH)
    const at = (addr: string) => () => encode({ type: 'observed_address', data: { addr } })
    expect(schemaErrorPath(at(longest))).toBeUndefined()
    expect(schemaErrorPath(at(`${longest}p`))).toBe('data.addr')
  })

  it("re-exports interface's rules rather than keeping copies", () => {
    expect(codec.isAddress).toBe(isAddress)
    expect(codec.isPeerId).toBe(isPeerId)
    expect(codec.PEER_ID_PATTERN).toBe(PEER_ID_PATTERN)
  })
})

describe("the wire schemas apply @chainwire/interface's peer-id rule", () => {
  const connect = (target: string) => () => decode(rawEnvelope('relay_connect', 1, [target, null]))

  it('accepts every canonical peer id', () => {
    for (let i = 0; i < 200; i++) {
      const id = testPeerId(i)
      expect(isPeerId(id)).toBe(true)
      expect(schemaErrorPath(connect(id))).toBeUndefined()
    }
  })

  it('refuses what isPeerId refuses', () => {
    const id = testPeerId(1)
    for (const bad of [
      '',
      'cwa',
      id.toUpperCase(),
      id.slice(0, -1),
      `${id}a`,
      `${id.slice(0, -1)}b`,
      `xx${id.slice(2)}`,
      `${id.slice(0, 10)}1${id.slice(11)}`,
    ]) {
      expect(isPeerId(bad), bad).toBe(false)
      expect(schemaErrorPath(connect(bad)), bad).toBe('data.target')
    }
  })
})
