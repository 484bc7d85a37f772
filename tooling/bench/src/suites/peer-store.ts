import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { isRoutable, tryParseAddress } from '@chainwire/interface'
import { ManualClock, testPeerId } from '@chainwire/interface/testing'
import { createPeerStore, type PeerStore } from '@chainwire/peer-store'
import { compare, seeded } from '../measure'
import type { Suite, SuiteContext } from '../types'

/** A random public IPv4 `tcp://` address. */
function publicAddress(random: () => number): string {
  for (;;) {
    const o = () => Math.floor(random() * 256)
    const address = `tcp://${1 + Math.floor(random() * 223)}.${o()}.${o()}.${1 + Math.floor(random() * 254)}:8333`
    const parsed = tryParseAddress(address)
    if (parsed !== undefined && isRoutable(parsed)) return address
  }
}

interface Gossip {
  peerId: string
  address: string
  source: string
}

function gossip(n: number, random: () => number): Gossip[] {
  const out: Gossip[] = []
  for (let i = 0; i < n; i++) {
    out.push({ peerId: testPeerId(random), address: publicAddress(random), source: publicAddress(random) })
  }
  return out
}

const SALT = new Uint8Array(32).fill(42)
const NEW_CAPACITY = 1024 * 64
const TRIED_CAPACITY = 256 * 64

/**
 * Fills a store to 65,536 new + 16,384 tried (or as close as the attempt budget gets): successful outbound
 * connections (`markGood`) until tried is full, then relayed gossip until new is full.
 */
function fill(store: PeerStore, random: () => number): { attempts: number } {
  let attempts = 0
  const budget = 3_000_000
  let batch = gossip(65_536, random)
  let k = 0
  const next = (): Gossip => {
    if (k === batch.length) {
      batch = gossip(65_536, random)
      k = 0
    }
    return batch[k++] as Gossip
  }
  while (store.stats().triedEntries < TRIED_CAPACITY && attempts < budget) {
    const g = next()
    attempts++
    store.markGood(g.address, g.peerId)
  }
  while (store.stats().newEntries < NEW_CAPACITY && attempts < budget) {
    const g = next()
    attempts++
    store.addAddresses(g.peerId, [g.address], { source: { address: g.source } })
  }
  return { attempts }
}

function dirSize(dir: string): number {
  let total = 0
  for (const f of readdirSync(dir)) total += statSync(join(dir, f)).size
  return total
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}

async function run(ctx: SuiteContext): Promise<void> {
  const random = seeded(1)
  const clock = new ManualClock()
  // In-memory database and a manual clock: no flush timer fires inside the timed loops, so the figures are
  // the address book's own work; persistence is measured separately below.
  const store = createPeerStore({ clock, random: seeded(2) }, { salt: SALT })
  await store.open()
  const t0 = performance.now()
  const { attempts } = fill(store, random)
  await store.flush()
  // An hour later: the dial backoff of the connections made while filling has expired.
  clock.advance(3_600_000)
  const filled = store.stats()
  const label = `full table (${filled.newEntries.toLocaleString('en')} new + ${filled.triedEntries.toLocaleString('en')} tried)`
  console.error(
    `peer-store: ${label} after ${attempts.toLocaleString('en')} operations in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  )

  // The naive address book: a Map from address to record, plus an array for random picks.
  const naive = new Map<string, { peerId: string; address: string; source: string; seen: number }>()
  const naiveList: Array<{ peerId: string; address: string }> = []
  for (const peer of store.listPeers()) {
    for (const a of peer.addresses) {
      naive.set(a.address, {
        peerId: peer.peerId,
        address: a.address,
        source: a.source.group,
        seen: a.lastSeen,
      })
      naiveList.push({ peerId: peer.peerId, address: a.address })
    }
  }

  // add: fresh gossip into the full table, against Map.set of the same records.
  const pool = gossip(262_144, random)
  let i = 0
  let j = 0
  const add = compare(
    () => {
      const g = pool[i++ & 262_143] as Gossip
      store.addAddresses(g.peerId, [g.address], { source: { address: g.source } })
    },
    () => {
      const g = pool[j++ & 262_143] as Gossip
      naive.set(g.address, { peerId: g.peerId, address: g.address, source: g.source, seen: j })
    },
  )
  ctx.report({
    suite: 'peer-store',
    case: `addAddresses, ${label}`,
    metric: 'throughput',
    value: add.candidate,
    unit: 'ops/s',
    baseline: 'Map.set',
    baselineValue: add.baseline,
    ratio: add.ratio,
  })

  // selectForDial(8) with 8 connected peers to avoid, against random picks with a linear group check.
  const connected = store.selectForDial(8).map((c) => c.peerId)
  const connectedGroups = connected.map((p) => group16(store.getPeer(p)?.addresses[0]?.address ?? ''))
  let picked = 0
  const select = compare(
    () => {
      picked += store.selectForDial(8, { exclude: connected }).length
    },
    () => {
      const out: Array<{ peerId: string; address: string }> = []
      const groups = [...connectedGroups]
      for (let tries = 0; out.length < 8 && tries < 1_000; tries++) {
        const e = naiveList[Math.floor(Math.random() * naiveList.length)] as {
          peerId: string
          address: string
        }
        const g = group16(e.address)
        if (groups.includes(g) || connected.includes(e.peerId) || out.some((o) => o.peerId === e.peerId))
          continue
        out.push(e)
        groups.push(g)
      }
      picked += out.length
    },
  )
  ctx.report({
    suite: 'peer-store',
    case: `selectForDial(8), ${label}`,
    metric: 'throughput',
    value: select.candidate,
    unit: 'ops/s',
    baseline: 'random picks + linear group check over a Map',
    baselineValue: select.baseline,
    ratio: select.ratio,
  })
  if (picked === 0) throw new Error('selection returned nothing')

  // Open time of the full table on disk, against parsing the same records from one JSON file.
  const dir = mkdtempSync(join(tmpdir(), 'chainwire-bench-peer-store-'))
  try {
    const path = join(dir, 'peers')
    const exported = store.exportJSON()
    const disk = createPeerStore({ clock }, { path, salt: SALT })
    await disk.open()
    disk.importJSON(exported)
    const onDisk = disk.stats()
    await disk.stop()
    const jsonFile = join(dir, 'peers.json')
    writeFileSync(jsonFile, JSON.stringify(exported))

    const openTimes: number[] = []
    const jsonTimes: number[] = []
    for (let r = 0; r < 5; r++) {
      const s = createPeerStore({ clock }, { path })
      const a = performance.now()
      await s.open()
      openTimes.push(performance.now() - a)
      const st = s.stats()
      if (st.newEntries !== onDisk.newEntries || st.triedEntries !== onDisk.triedEntries) {
        throw new Error('reopened table differs from what was written')
      }
      await s.stop()
      const b = performance.now()
      const doc = JSON.parse(readFileSync(jsonFile, 'utf8')) as { peers: unknown[] }
      jsonTimes.push(performance.now() - b)
      if (doc.peers.length !== exported.peers.length) throw new Error('json baseline lost records')
    }
    const openMs = median(openTimes)
    const jsonMs = median(jsonTimes)
    const diskLabel = `open full on-disk table (${onDisk.newEntries.toLocaleString('en')} new + ${onDisk.triedEntries.toLocaleString('en')} tried, classic-level)`
    ctx.report({
      suite: 'peer-store',
      case: diskLabel,
      metric: 'time',
      value: openMs,
      unit: 'ms',
      baseline: 'JSON.parse of the same records from one file',
      baselineValue: jsonMs,
      ratio: jsonMs / openMs,
    })
    const dbBytes = dirSize(path)
    const jsonBytes = statSync(jsonFile).size
    ctx.report({
      suite: 'peer-store',
      case: diskLabel,
      metric: 'size on disk',
      value: dbBytes / 1_048_576,
      unit: 'MiB',
      baseline: 'the JSON file',
      baselineValue: jsonBytes / 1_048_576,
      ratio: jsonBytes / dbBytes,
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  await store.stop()
}

/** The naive /16 of a `tcp://a.b.c.d:port` address: a string slice, no parsing. */
function group16(address: string): string {
  const start = address.indexOf('//') + 2
  const second = address.indexOf('.', address.indexOf('.', start) + 1)
  return address.slice(start, second)
}

const suite: Suite = {
  name: 'peer-store',
  description:
    'address book throughput on a full table (65,536 new + 16,384 tried) and LevelDB open time, against naive baselines',
  run,
}

export default suite
