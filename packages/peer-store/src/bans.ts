import {
  formatIp,
  type IpBytes,
  isPeerId,
  MAX_ADDRESS_LENGTH,
  maskIp,
  type PeerId,
  parseIp,
  tryParseAddress,
} from '@chainwire/interface'
import { hostOf } from './address'
import { PeerStoreError } from './errors'
import type { Emit } from './events'
import type { BanInfo, BanKind, DiscouragedInfo } from './types'

/** A ban target in canonical form. */
export interface BanTarget {
  target: string
  kind: BanKind
}

/**
 * Reads a ban target: a CIDR (`10.0.0.0/8`, `2001:db8::/32`; host bits are cleared), an IP, an address URL
 * (its IP, or for a DNS or memory host the host itself), or else a peer id.
 */
export function parseBanTarget(text: string): BanTarget {
  const fail = (): PeerStoreError =>
    new PeerStoreError('ERR_INVALID_BAN_TARGET', `not a peer id, IP, subnet or address: ${String(text)}`, {
      target: typeof text === 'string' ? text.slice(0, MAX_ADDRESS_LENGTH) : typeof text,
    })
  if (typeof text !== 'string' || text === '' || text.length > MAX_ADDRESS_LENGTH) throw fail()
  if (text.includes('://')) {
    const a = tryParseAddress(text)
    if (a === undefined) throw fail()
    if (a.ip !== undefined) return { target: formatIp(a.ip), kind: 'ip' }
    return { target: a.hostKind === 'memory' ? a.address : a.host, kind: 'host' }
  }
  const slash = text.indexOf('/')
  if (slash >= 0) {
    const raw = text.slice(0, slash)
    const bare = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw
    const ip = parseIp(bare)
    const prefixText = text.slice(slash + 1)
    if (ip === undefined || !/^[0-9]{1,3}$/.test(prefixText)) throw fail()
    let prefix = Number(prefixText)
    // `::ffff:a.b.c.d/120` names an IPv4 subnet.
    if (ip.length === 4 && bare.includes(':')) prefix -= 96
    if (prefix < 0 || prefix > ip.length * 8) throw fail()
    if (prefix === ip.length * 8) return { target: formatIp(ip), kind: 'ip' }
    return { target: `${formatIp(maskIp(ip, prefix))}/${prefix}`, kind: 'subnet' }
  }
  const ip = parseIp(text)
  if (ip !== undefined) return { target: formatIp(ip), kind: 'ip' }
  if (!isPeerId(text)) throw fail()
  return { target: text, kind: 'peer' }
}

/** Settings of {@link BanList}. */
export interface BanListOptions {
  maxBans: number
  maxDiscouraged: number
}

/**
 * Bans (by peer id, IP, subnet or host) and discouragement (by IP), each with an expiry. Subnet lookups
 * mask the IP once per prefix length in use, so a check costs at most 33 (IPv4) or 129 (IPv6) map lookups
 * however many bans there are. Expired entries stop matching at once and are removed by {@link sweep}.
 */
export class BanList {
  readonly #bans = new Map<string, BanInfo>()
  /** Prefix lengths in use by subnet bans, per IP family, with how many bans use each. */
  readonly #prefixes4 = new Map<number, number>()
  readonly #prefixes6 = new Map<number, number>()
  readonly #discouraged = new Map<string, number>()
  readonly #opts: BanListOptions
  readonly #emit: Emit
  readonly #changed: (kind: 'ban' | 'discouraged', key: string) => void

  constructor(opts: BanListOptions, emit: Emit, changed: (kind: 'ban' | 'discouraged', key: string) => void) {
    this.#opts = opts
    this.#emit = emit
    this.#changed = changed
  }

  /** Bans held (live or not yet swept). */
  get size(): number {
    return this.#bans.size
  }

  /** Discouraged hosts held. */
  get discouragedSize(): number {
    return this.#discouraged.size
  }

  /** Counts of live bans per kind. */
  countByKind(): Record<BanKind, number> {
    const out: Record<BanKind, number> = { peer: 0, ip: 0, subnet: 0, host: 0 }
    for (const b of this.#bans.values()) out[b.kind]++
    return out
  }

  /** Adds or extends a ban; returns it. */
  ban(target: BanTarget, durationMs: number, reason: string, now: number): BanInfo {
    const expiresAt = now + durationMs
    const existing = this.#bans.get(target.target)
    if (existing !== undefined) {
      existing.expiresAt = Math.max(existing.expiresAt, expiresAt)
      existing.reason = reason === '' ? existing.reason : reason
      this.#changed('ban', target.target)
      this.#emit('ban:added', { ...existing })
      return { ...existing }
    }
    if (this.#bans.size >= this.#opts.maxBans) {
      let soonest: BanInfo | undefined
      for (const b of this.#bans.values())
        if (soonest === undefined || b.expiresAt < soonest.expiresAt) soonest = b
      if (soonest !== undefined) {
        this.#delete(soonest)
        this.#emit('ban:removed', { ...soonest })
      }
    }
    const info: BanInfo = { target: target.target, kind: target.kind, reason, createdAt: now, expiresAt }
    this.#insert(info)
    this.#emit('ban:added', { ...info })
    return { ...info }
  }

  /** Removes the ban on exactly this target. */
  unban(target: BanTarget): boolean {
    const b = this.#bans.get(target.target)
    if (b === undefined) return false
    this.#delete(b)
    this.#emit('ban:removed', { ...b })
    return true
  }

  /** True while a peer-id ban on `peerId` lasts. */
  isPeerBanned(peerId: PeerId, now: number): boolean {
    const b = this.#bans.get(peerId)
    return b !== undefined && b.kind === 'peer' && b.expiresAt > now
  }

  /** True when the host (IP, DNS name or memory address) is banned, directly or by subnet. */
  isHostBanned(host: HostKey, now: number): boolean {
    if (host.ip === undefined) {
      const b = this.#bans.get(host.memory ?? host.host)
      return b !== undefined && b.kind === 'host' && b.expiresAt > now
    }
    const exact = this.#bans.get(host.host)
    if (exact !== undefined && exact.kind === 'ip' && exact.expiresAt > now) return true
    const prefixes = host.ip.length === 4 ? this.#prefixes4 : this.#prefixes6
    for (const prefix of prefixes.keys()) {
      const b = this.#bans.get(`${formatIp(maskIp(host.ip, prefix))}/${prefix}`)
      if (b !== undefined && b.expiresAt > now) return true
    }
    return false
  }

  /** Discourages a host for `durationMs`; the oldest entry goes when over `maxDiscouraged`. */
  discourage(host: string, durationMs: number, now: number): DiscouragedInfo {
    const expiresAt = Math.max(now + durationMs, this.#discouraged.get(host) ?? 0)
    this.#discouraged.delete(host)
    this.#discouraged.set(host, expiresAt)
    this.#changed('discouraged', host)
    while (this.#discouraged.size > this.#opts.maxDiscouraged) {
      const oldest = this.#discouraged.keys().next().value as string
      this.#discouraged.delete(oldest)
      this.#changed('discouraged', oldest)
    }
    const info = { ip: host, expiresAt }
    this.#emit('discourage:added', { ...info })
    return info
  }

  /** True while `host` (a host key) is discouraged. */
  isDiscouraged(host: string, now: number): boolean {
    const until = this.#discouraged.get(host)
    return until !== undefined && until > now
  }

  /** Live bans, soonest expiry first. */
  list(now: number): BanInfo[] {
    return [...this.#bans.values()]
      .filter((b) => b.expiresAt > now)
      .sort((a, b) => a.expiresAt - b.expiresAt)
      .map((b) => ({ ...b }))
  }

  /** Live discouraged hosts. */
  listDiscouraged(now: number): DiscouragedInfo[] {
    const out: DiscouragedInfo[] = []
    for (const [ip, expiresAt] of this.#discouraged) if (expiresAt > now) out.push({ ip, expiresAt })
    return out
  }

  /** The stored ban of a target (live or not). */
  get(target: string): BanInfo | undefined {
    return this.#bans.get(target)
  }

  /** The stored expiry of a discouraged host (live or not). */
  discouragedUntil(host: string): number | undefined {
    return this.#discouraged.get(host)
  }

  /** Removes expired bans (emitting `ban:expired`) and expired discouragement. */
  sweep(now: number): void {
    for (const b of [...this.#bans.values()]) {
      if (b.expiresAt <= now) {
        this.#delete(b)
        this.#emit('ban:expired', { ...b })
      }
    }
    for (const [host, until] of [...this.#discouraged]) {
      if (until <= now) {
        this.#discouraged.delete(host)
        this.#changed('discouraged', host)
      }
    }
  }

  /** Puts persisted or imported entries back (no events); a later expiry wins over an earlier one. */
  restore(bans: readonly BanInfo[], discouraged: readonly DiscouragedInfo[]): number {
    let n = 0
    for (const b of bans) {
      const existing = this.#bans.get(b.target)
      if (existing !== undefined) {
        if (existing.expiresAt >= b.expiresAt) continue
        this.#delete(existing)
      }
      if (this.#bans.size >= this.#opts.maxBans) continue
      this.#insert({ ...b })
      n++
    }
    for (const d of discouraged) {
      if (this.#discouraged.size >= this.#opts.maxDiscouraged && !this.#discouraged.has(d.ip)) continue
      this.#discouraged.set(d.ip, Math.max(d.expiresAt, this.#discouraged.get(d.ip) ?? 0))
      this.#changed('discouraged', d.ip)
    }
    return n
  }

  /** Forgets every ban and discouragement. */
  clear(): void {
    for (const b of [...this.#bans.values()]) this.#delete(b)
    for (const host of this.#discouraged.keys()) this.#changed('discouraged', host)
    this.#discouraged.clear()
  }

  #insert(b: BanInfo): void {
    this.#bans.set(b.target, b)
    if (b.kind === 'subnet') this.#countPrefix(b.target, 1)
    this.#changed('ban', b.target)
  }

  #delete(b: BanInfo): void {
    if (this.#bans.get(b.target) !== b) return
    this.#bans.delete(b.target)
    if (b.kind === 'subnet') this.#countPrefix(b.target, -1)
    this.#changed('ban', b.target)
  }

  #countPrefix(cidr: string, delta: number): void {
    const [ip, prefix] = cidr.split('/') as [string, string]
    const map = ip.includes(':') ? this.#prefixes6 : this.#prefixes4
    const p = Number(prefix)
    const n = (map.get(p) ?? 0) + delta
    if (n <= 0) map.delete(p)
    else map.set(p, n)
  }
}

/** A host as bans and discouragement key it: the IP (without zone) or DNS name, or a memory address. */
export interface HostKey {
  host: string
  ip: IpBytes | undefined
  /** `memory://name` for a memory address. */
  memory?: string
}

/** The host key discouragement and host bans use for an IP or address URL; undefined if unparsable. */
export function hostKey(text: string): HostKey | undefined {
  const h = hostOf(text)
  if (h === undefined) return undefined
  if (h.hostKind === 'memory') return { host: h.host, ip: undefined, memory: `memory://${h.host}` }
  return { host: h.ip === undefined ? h.host : formatIp(h.ip), ip: h.ip }
}
