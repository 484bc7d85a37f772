import { ManualClock, MemoryMetrics } from '@chainwire/interface/testing'
import { MemoryLevel } from 'memory-level'
import { createPeerStore, type PeerStore, type PeerStoreOptions } from '../src/index'

/** A small seeded PRNG (mulberry32), so table-filling tests are reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** A fixed 32-byte salt. */
export function salt(byte = 7): Uint8Array {
  return new Uint8Array(32).fill(byte)
}

/** A syntactically plausible peer id for test number `i`. */
export function pid(i: number | string): string {
  return `cw${String(i).padStart(8, '0')}`
}

/** `tcp://a.b.c.d:port`. */
export function tcp(a: number, b: number, c: number, d: number, port = 8333): string {
  return `tcp://${a}.${b}.${c}.${d}:${port}`
}

/** A random public-looking IPv4 (first octet 1-99, avoiding every reserved range). */
export function randomPublicIp(random: () => number): [number, number, number, number] {
  const o = () => Math.floor(random() * 256)
  return [1 + Math.floor(random() * 9) * 10 + 1, o(), o(), 1 + Math.floor(random() * 250)]
}

export interface Harness {
  store: PeerStore
  clock: ManualClock
  metrics: MemoryMetrics
  db: MemoryLevel<string, string>
}

/** An opened store on memory-level with a manual clock, a fixed salt and a seeded random source. */
export async function openStore(options: PeerStoreOptions = {}, seed = 1): Promise<Harness> {
  const clock = new ManualClock()
  const metrics = new MemoryMetrics()
  const db = (options.db as MemoryLevel<string, string> | undefined) ?? new MemoryLevel<string, string>()
  const store = createPeerStore({ clock, metrics, random: seeded(seed) }, { salt: salt(), ...options, db })
  await store.start()
  return { store, clock, metrics, db }
}

/** Draws `rounds` x `selectForDial(8)` and counts the picks among `addresses`. */
export function dialPicks(
  store: PeerStore,
  addresses: ReadonlySet<string>,
  rounds = 500,
): { picks: number; hits: number; share: number } {
  let picks = 0
  let hits = 0
  for (let round = 0; round < rounds; round++) {
    for (const c of store.selectForDial(8)) {
      picks++
      if (addresses.has(c.address)) hits++
    }
  }
  return { picks, hits, share: hits / picks }
}
