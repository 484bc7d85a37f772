import { describe, expect, it } from 'vitest'
import { SaltedHash } from '../src/tables/hash'

describe('SaltedHash', () => {
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
