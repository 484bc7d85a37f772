import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BASIC_FILTER,
  blockFilter,
  blockFilterItems,
  buildGcs,
  ChainError,
  decodeGcs,
  filterHash,
  filterHeader,
  filterMatchesAny,
  fromHex,
  gcsCount,
  gcsMatchAny,
  headerHash,
  readCompactSize,
  toHex,
  writeCompactSize,
} from '../src/index'
import { BlockBuilder, testNetwork, transfer, wallet } from './helpers'

/**
 * BIP 158's test vectors as Bitcoin Core ships them (`src/test/data/blockfilters.json`): per block its hash,
 * raw bytes, the scripts of the outputs its inputs spend, the previous filter header, the basic filter and
 * its header. Hashes and headers are shown byte-reversed, as Bitcoin displays them.
 */
type Vector = [number, string, string, string[], string, string, string, string]
const vectors = (
  JSON.parse(readFileSync(new URL('./fixtures/blockfilters.json', import.meta.url), 'utf8')) as unknown[][]
).slice(1) as Vector[]
const rev = (hex: string) => fromHex(hex).reverse()

/** The output scripts of a raw Bitcoin block: just enough of the transaction format to read them. */
function outputScripts(raw: Uint8Array): Uint8Array[] {
  let at = 80
  const varint = () => {
    const { value, length } = readCompactSize(raw, at)
    at += length
    return value
  }
  const skip = (n: number) => {
    at += n
  }
  const scripts: Uint8Array[] = []
  for (let t = varint(); t > 0; t--) {
    skip(4)
    const segwit = raw[at] === 0 && raw[at + 1] !== 0
    if (segwit) skip(2)
    const inputs = varint()
    for (let i = 0; i < inputs; i++) {
      skip(36)
      skip(varint())
      skip(4)
    }
    for (let o = varint(); o > 0; o--) {
      skip(8)
      const n = varint()
      scripts.push(raw.subarray(at, at + n))
      skip(n)
    }
    if (segwit) for (let i = 0; i < inputs; i++) for (let w = varint(); w > 0; w--) skip(varint())
    skip(4)
  }
  expect(at).toBe(raw.length)
  return scripts
}

describe('Golomb-coded sets against BIP 158 test vectors', () => {
  it.each(vectors.map((v) => [v[7] || `block ${v[0]}`, v] as const))('%s', (_, v) => {
    const [, hashHex, blockHex, prevScripts, prevHeaderHex, filterHex, headerHex] = v
    const key = rev(hashHex).subarray(0, 16)
    const filter = fromHex(filterHex)
    // Every previous-output script the block spends matches its filter.
    for (const script of prevScripts) expect(gcsMatchAny(filter, key, [fromHex(script)])).toBe(true)
    // Rebuilding the filter from the block's elements (non-empty output scripts except OP_RETURN, and the
    // spent scripts, without duplicates) gives the same bytes.
    const elements = new Map<string, Uint8Array>()
    for (const s of [...outputScripts(fromHex(blockHex)), ...prevScripts.map(fromHex)]) {
      if (s.length > 0 && s[0] !== 0x6a) elements.set(toHex(s), s)
    }
    expect(toHex(buildGcs(key, [...elements.values()]))).toBe(filterHex)
    expect(gcsCount(filter).n).toBe(elements.size)
    expect(decodeGcs(filter)).toHaveLength(elements.size)
    // Filter headers chain as BIP 157 says.
    expect(toHex(filterHeader(filterHash(filter), rev(prevHeaderHex)))).toBe(toHex(rev(headerHex)))
  })
})

describe('block filters over account keys', () => {
  const alice = wallet()
  const bob = wallet()
  const network = testNetwork({ genesisTo: alice.key })
  const builder = new BlockBuilder(network)

  it('hold every account a block touches, and match it; other keys rarely', () => {
    const block = builder.next(network.genesis, [transfer(network, alice, bob.key, 10n)])
    const items = blockFilterItems(block)
    expect(items.map(toHex).sort()).toEqual(
      [alice.key, bob.key, block.transactions[0]?.to as Uint8Array].map(toHex).sort(),
    )
    const hash = headerHash(block.header)
    const filter = blockFilter(block)
    for (const k of items) expect(filterMatchesAny(filter, hash, [k])).toBe(true)
    let falsePositives = 0
    for (let i = 0; i < 2_000; i++) {
      if (filterMatchesAny(filter, hash, [randomBytes(32)])) falsePositives++
    }
    expect(falsePositives).toBeLessThan(3)
  })

  it('decode malformed filters to ERR_BAD_FILTER only', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (bytes, q) => {
          try {
            gcsMatchAny(bytes, q.subarray(0, 16), [q])
            decodeGcs(bytes)
          } catch (err) {
            expect(ChainError.isInstance(err) && err.code === 'ERR_BAD_FILTER').toBe(true)
          }
        },
      ),
    )
    // A count larger than the bits can carry is refused before anything is decoded.
    expect(() => decodeGcs(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1))).toThrow(
      ChainError,
    )
  })

  it('round-trip CompactSize integers and empty sets', () => {
    for (const n of [0, 1, 0xfc, 0xfd, 0xffff, 0x10000, 0xffffffff, 2 ** 40]) {
      expect(readCompactSize(writeCompactSize(n)).value).toBe(n)
    }
    const empty = buildGcs(new Uint8Array(16), [], BASIC_FILTER)
    expect(toHex(empty)).toBe('00')
    expect(gcsMatchAny(empty, new Uint8Array(16), [new Uint8Array(32)])).toBe(false)
  })
})
