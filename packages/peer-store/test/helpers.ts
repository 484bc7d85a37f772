import type { PeerId } from '@chainwire/interface'
import { ManualClock, MemoryMetrics, seededRandom, testPeerId } from '@chainwire/interface/testing'
import { MemoryLevel } from 'memory-level'
import { createPeerStore, type PeerStore, type PeerStoreOptions } from '../src/index'

/** interface's seeded generator, so table-filling tests are reproducible. */
export const seeded = seededRandom

/** A fixed 32-byte salt. */
export function salt(byte = 7): Uint8Array {
  return new Uint8Array(32).fill(byte)
}

/**
 * The test peer id named `label` (interface's `testPeerId`, seeded from the label's FNV-1a hash): the same
 * label gives the same id, different labels different ids.
 */
export function pid(label: number | string): PeerId {
  let h = 0x811c9dc5
  for (const c of String(label)) h = Math.imul(h ^ (c.codePointAt(0) as number), 0x01000193) >>> 0
  return testPeerId(h)
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
