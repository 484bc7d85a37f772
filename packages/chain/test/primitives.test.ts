import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  advanceWindow,
  bitsFromTarget,
  checkProofOfWork,
  type DifficultyParams,
  type DifficultyWindow,
  decodeBits,
  EMPTY_WINDOW,
  fromHex,
  hashBackend,
  headerBytes,
  headerFromBytes,
  headerHash,
  medianTimePast,
  merkleBranch,
  merkleRoot,
  nextBits,
  nextTarget,
  rootFromBranch,
  sha256,
  sha256d,
  targetFromBits,
  toHex,
  useHashBackend,
  verifyMerkleProof,
  workFromBits,
} from '../src/index'
import { testNetwork } from './helpers'

const rev = (hex: string) => fromHex(hex).reverse()

describe('sha256', () => {
  it('gives the same digests on node:crypto and on the pure implementation', () => {
    const inputs = [
      new Uint8Array(0),
      new TextEncoder().encode('abc'),
      new Uint8Array(96).fill(7),
      new Uint8Array(5000).fill(1),
    ]
    const native = inputs.map((i) => toHex(sha256d(i)))
    expect(useHashBackend('pure')).toBe('pure')
    try {
      expect(inputs.map((i) => toHex(sha256d(i)))).toEqual(native)
      expect(toHex(sha256(new TextEncoder().encode('abc')))).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      )
    } finally {
      useHashBackend('node')
    }
    expect(hashBackend()).toBe('node')
  })
})

describe('headers', () => {
  it('has a 96-byte canonical form that round-trips, with the nonce last', () => {
    const h = testNetwork().genesis.header
    const withNonce = { ...h, nonce: 2 ** 40 + 5 }
    const bytes = headerBytes(withNonce)
    expect(bytes.length).toBe(96)
    expect(headerFromBytes(bytes)).toEqual(withNonce)
    expect(toHex(bytes.subarray(88))).toBe('0000010000000005')
    expect(headerHash(withNonce)).toEqual(sha256d(bytes))
  })
})

describe('compact bits and work (Bitcoin vectors)', () => {
  it('decodes and encodes as arith_uint256 does', () => {
    expect(decodeBits(0x1d00ffff).target).toBe(0xffffn << 208n)
    expect(bitsFromTarget(0xffffn << 208n)).toBe(0x1d00ffff)
    expect(decodeBits(0x04923456).negative).toBe(true)
    expect(decodeBits(0xff123456).overflow).toBe(true)
    expect(decodeBits(0x01003456).target).toBe(0n)
    expect(decodeBits(0x05009234).target).toBe(0x92340000n)
    expect(bitsFromTarget(0x80n)).toBe(0x02008000)
    expect(targetFromBits(0x1d00ffff, 0xffffn << 200n)).toBeUndefined()
    expect(targetFromBits(0x04923456, 1n << 255n)).toBeUndefined()
  })

  it('encodes any target as GetCompact does (byte length from the hex digits)', () => {
    const reference = (target: bigint): number => {
      let size = Math.ceil(target.toString(16).length / 2)
      let compact =
        size <= 3 ? Number(target << BigInt(8 * (3 - size))) : Number(target >> BigInt(8 * (size - 3)))
      if (compact & 0x00800000) {
        compact >>>= 8
        size++
      }
      return ((size << 24) | compact) >>> 0
    }
    const edges: bigint[] = []
    for (let i = 0; i <= 32; i++) {
      const p = 1n << BigInt(8 * i)
      edges.push(p - 1n, p, p + 1n, (p * 0x80n) / 0x100n + 1n)
    }
    for (const t of edges) if (t > 0n && t < 1n << 256n) expect(bitsFromTarget(t)).toBe(reference(t))
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 256n) - 1n }), fc.nat(248), (t, shift) => {
        const target = t >> BigInt(shift) || 1n
        expect(bitsFromTarget(target)).toBe(reference(target))
      }),
      { numRuns: 2_000 },
    )
  })

  it('counts the work of a target as 2^256 / (target + 1)', () => {
    expect(workFromBits(0x1d00ffff)).toBe(0x100010001n)
    expect(workFromBits(0x207fffff)).toBe(2n)
    expect(workFromBits(0)).toBe(0n)
  })

  it('checks proof of work against bits and the pow limit', () => {
    const net = testNetwork()
    const h = { ...net.genesis.header, height: 1 }
    const hashes = [new Uint8Array(32), new Uint8Array(32).fill(0xff)]
    expect(checkProofOfWork(h, net.powLimit, hashes[0])).toBe('ok')
    expect(checkProofOfWork(h, net.powLimit, hashes[1])).toBe('bad-pow')
    expect(checkProofOfWork({ ...h, bits: 0x2100ffff }, net.powLimit, hashes[0])).toBe('bad-bits')
  })
})

describe('LWMA retarget', () => {
  const params = { targetBlockTimeMs: 1_000, difficultyWindow: 10, powLimit: 1n << 250n }
  const fill = (solve: number, n = 10, target = 1n << 240n) => {
    let w = EMPTY_WINDOW
    const steps: { solveTime: number; target: bigint }[] = []
    for (let i = 0; i < n; i++) {
      const step = { solveTime: solve, target }
      w = advanceWindow(w, 10, step, steps.length >= 10 ? steps[steps.length - 10] : undefined)
      steps.push(step)
    }
    return w
  }

  it('keeps the target when blocks come on time, eases when slow, hardens when fast', () => {
    expect(nextTarget(fill(1_000), params)).toBe(1n << 240n)
    expect(nextTarget(fill(1_000, 25), params)).toBe(1n << 240n)
    expect(nextTarget(fill(2_000), params)).toBe(1n << 241n)
    expect(nextTarget(fill(500), params)).toBe(1n << 239n)
    expect(nextTarget(EMPTY_WINDOW, params)).toBeUndefined()
  })

  it('limits one step to a 10x harder target and never goes past the pow limit', () => {
    expect(nextTarget(fill(0), params)).toBe((1n << 240n) / 10n)
    expect(nextTarget(fill(6_000, 10, 1n << 249n), params)).toBe(1n << 250n)
  })

  it('slides: the window over the last N blocks equals the window built from them alone', () => {
    const steps = Array.from({ length: 30 }, (_, i) => ({
      solveTime: 300 + ((i * 7919) % 2_000),
      target: BigInt(1000 + i) << 200n,
    }))
    let sliding = EMPTY_WINDOW
    steps.forEach((s, i) => {
      sliding = advanceWindow(sliding, 10, s, i >= 10 ? steps[i - 10] : undefined)
    })
    let fresh = EMPTY_WINDOW
    for (const s of steps.slice(20)) fresh = advanceWindow(fresh, 10, s, undefined)
    expect(sliding).toEqual(fresh)
  })

  it('finds the next bits without big-number division exactly as from the exact target', () => {
    const exact = (w: DifficultyWindow, p: DifficultyParams) => {
      const t = nextTarget(w, p)
      return t === undefined ? undefined : bitsFromTarget(t)
    }
    const window = (count: number, sumTarget: bigint, weighted: number): DifficultyWindow => ({
      count,
      sumTarget,
      weighted,
      plain: 0,
    })
    const limits = [
      1n << 250n,
      (1n << 255n) - 1n,
      decodeBits(0x207fffff).target,
      decodeBits(0x1d00ffff).target,
    ]
    // Random windows: any average target up to 2^256, any weighted solve time up to 6T per block.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.bigInt({ min: 1n, max: (1n << 256n) - 1n }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 600_000 }),
        fc.constantFrom(...limits),
        (count, average, spread, t, powLimit) => {
          const p = { targetBlockTimeMs: t, difficultyWindow: 120, powLimit }
          const weighted = Math.floor(spread * 6 * t * ((count * (count + 1)) / 2))
          const w = window(count, average * BigInt(count), weighted)
          expect(nextBits(w, p)).toBe(exact(w, p))
        },
      ),
      { numRuns: 5_000 },
    )
    // Quotients within a few units of a mantissa step, of a byte boundary and of the pow limit, where the
    // floating-point estimate cannot decide and the exact division must answer.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 0x8000, max: 0x80_0000 }),
        fc.integer({ min: 4, max: 32 }),
        fc.integer({ min: -3, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        (count, t, mantissa, size, delta, weightScale, atLimit) => {
          const k = (count * (count + 1) * t) / 2
          const weighted = Math.ceil(k / 10) * weightScale
          const d = BigInt(count) * BigInt(k)
          const powLimit = 1n << 255n
          const x = atLimit ? powLimit : BigInt(mantissa) << BigInt(8 * (size - 3))
          // The smallest sum whose quotient is x, moved by delta units of the sum.
          const sum = (x * d + BigInt(weighted) - 1n) / BigInt(weighted) + BigInt(delta)
          if (sum < 1n) return
          const p = { targetBlockTimeMs: t, difficultyWindow: 60, powLimit }
          const w = window(count, sum, weighted)
          expect(nextBits(w, p)).toBe(exact(w, p))
        },
      ),
      { numRuns: 5_000 },
    )
    expect(nextBits(EMPTY_WINDOW, params)).toBeUndefined()
  })

  it('takes the median of up to 11 timestamps', () => {
    expect(medianTimePast([5, 1, 3])).toBe(3)
    expect(medianTimePast([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])).toBe(6)
  })
})

describe('merkle', () => {
  it("matches Bitcoin's root of block 100,000", () => {
    const txids = [
      '8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87',
      'fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4',
      '6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4',
      'e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d',
    ].map(rev)
    const { root, mutated } = merkleRoot(txids)
    expect(toHex(root.slice().reverse())).toBe(
      'f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766',
    )
    expect(mutated).toBe(false)
  })

  it('detects the duplicate-subtree mutation (CVE-2012-2459) that keeps the root', () => {
    const leaves = Array.from({ length: 6 }, (_, i) => sha256d(Uint8Array.of(i)))
    const honest = merkleRoot(leaves)
    const mutated = merkleRoot([...leaves, leaves[4] as Uint8Array, leaves[5] as Uint8Array])
    expect(mutated.root).toEqual(honest.root)
    expect(honest.mutated).toBe(false)
    expect(mutated.mutated).toBe(true)
    const three = leaves.slice(0, 3)
    expect(merkleRoot([...three, three[2] as Uint8Array])).toEqual({
      root: merkleRoot(three).root,
      mutated: true,
    })
  })

  it('proves every leaf of trees of 1 to 17 leaves, and no other hash or position', () => {
    for (let n = 1; n <= 17; n++) {
      const leaves = Array.from({ length: n }, (_, i) => sha256d(Uint8Array.of(n, i)))
      const { root } = merkleRoot(leaves)
      const header = { ...testNetwork().genesis.header, merkleRoot: root }
      for (let i = 0; i < n; i++) {
        const siblings = merkleBranch(leaves, i)
        expect(rootFromBranch(leaves[i] as Uint8Array, i, siblings)).toEqual(root)
        expect(verifyMerkleProof({ header, index: i, siblings }, leaves[i] as Uint8Array)).toBe(true)
        expect(verifyMerkleProof({ header, index: i, siblings }, sha256d(Uint8Array.of(99)))).toBe(false)
        expect(
          verifyMerkleProof({ header, index: i + 2 ** siblings.length, siblings }, leaves[i] as Uint8Array),
        ).toBe(false)
      }
    }
  })
})
