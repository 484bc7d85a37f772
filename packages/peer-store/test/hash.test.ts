import { describe, expect, it } from 'vitest'
import { SaltedHash, sipHash24 } from '../src/tables/hash'

const hex = (r: { hi: number; lo: number }): string =>
  r.hi.toString(16).padStart(8, '0') + r.lo.toString(16).padStart(8, '0')
const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i)

describe('SipHash-2-4', () => {
  it('matches the reference test vectors (key 00..0f, message 00..len-1)', () => {
    const key = bytes(16)
    expect(hex(sipHash24(key, bytes(0)))).toBe('726fdb47dd0e0e31')
    expect(hex(sipHash24(key, bytes(8)))).toBe('93f5f5799a932462')
    expect(hex(sipHash24(key, bytes(15)))).toBe('a129ca6149be45e5')
    expect(hex(sipHash24(key, bytes(63)))).toBe('958a324ceb064572')
  })

  it('keys bucket positions by the salt', () => {
    const a = new SaltedHash(new Uint8Array(32).fill(1))
    const b = new SaltedHash(new Uint8Array(32).fill(2))
    expect(a.hash('new-bucket', 'ipv4:8.8', 3)).toBe(a.hash('new-bucket', 'ipv4:8.8', 3))
    expect(a.hash('new-bucket', 'ipv4:8.8', 3)).not.toBe(b.hash('new-bucket', 'ipv4:8.8', 3))
    expect(a.hash('x', 'memory://ü')).toBeLessThan(2 ** 48)
    // Spread: 64 slots get roughly even use.
    const counts = new Array<number>(64).fill(0)
    for (let i = 0; i < 64_000; i++) counts[a.hash('slot', i) % 64]++
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150)
  })
})
