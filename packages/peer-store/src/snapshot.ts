import type { RestoredPeer } from './book/address-book'
import { PeerStoreError } from './errors'
import { MAX_METADATA_KEY_LENGTH } from './metadata'
import { readAnchors, readBan, readDiscouraged, readPeer, SUPERSEDED } from './storage/records'
import type { AnchorInfo, BanInfo, DiscouragedInfo, PeerStoreExport } from './types'

/** The validated content of an export, ready to restore. */
export interface ExportContent {
  peers: RestoredPeer[]
  bans: BanInfo[]
  discouraged: DiscouragedInfo[]
  anchors: AnchorInfo[]
  metadata: Array<[key: string, json: string]>
}

function invalid(why: string, details: Record<string, unknown> = {}): PeerStoreError {
  return new PeerStoreError('ERR_IMPORT_INVALID', `not a valid peer store export: ${why}`, details)
}

/** Parses and validates an export (object or JSON text) completely; throws `ERR_IMPORT_INVALID`. */
export function readExport(
  data: PeerStoreExport | string,
  limits: { maxAddressesPerPeer: number; maxAnchors: number },
): ExportContent {
  let doc: unknown = data
  if (typeof data === 'string') {
    try {
      doc = JSON.parse(data)
    } catch (cause) {
      throw new PeerStoreError('ERR_IMPORT_INVALID', 'not a valid peer store export: not JSON', {}, { cause })
    }
  }
  if (typeof doc !== 'object' || doc === null) throw invalid('not an object')
  const d = doc as Record<string, unknown>
  if (d.format !== 'chainwire-peer-store') throw invalid('unknown format', { format: String(d.format) })
  if (d.version !== 1) throw invalid('unsupported version', { version: String(d.version) })
  for (const k of ['peers', 'bans', 'discouraged', 'anchors'] as const) {
    if (!Array.isArray(d[k])) throw invalid(`${k} is not an array`)
  }
  if (typeof d.metadata !== 'object' || d.metadata === null || Array.isArray(d.metadata)) {
    throw invalid('metadata is not an object')
  }
  const out: ExportContent = { peers: [], bans: [], discouraged: [], anchors: [], metadata: [] }
  for (const [i, p] of (d.peers as unknown[]).entries()) {
    // An export is checked strictly: a peer id not in canonical form is invalid, not skipped.
    const peer = readPeer(p, 'export', limits.maxAddressesPerPeer)
    if (peer === undefined || peer === SUPERSEDED) throw invalid('invalid peer', { index: i })
    out.peers.push(peer)
  }
  for (const [i, b] of (d.bans as unknown[]).entries()) {
    const ban = readBan(b)
    if (ban === undefined || ban === SUPERSEDED) throw invalid('invalid ban', { index: i })
    out.bans.push(ban)
  }
  for (const [i, x] of (d.discouraged as unknown[]).entries()) {
    const entry = readDiscouraged(x)
    if (entry === undefined) throw invalid('invalid discouraged entry', { index: i })
    out.discouraged.push(entry)
  }
  const anchors = readAnchors(d.anchors, limits.maxAnchors)
  if (anchors === undefined) throw invalid('invalid anchors')
  out.anchors = anchors
  for (const [key, value] of Object.entries(d.metadata as Record<string, unknown>)) {
    const text = JSON.stringify(value)
    if (key === '' || key.length > MAX_METADATA_KEY_LENGTH || text === undefined) {
      throw invalid('invalid metadata', { key: key.slice(0, MAX_METADATA_KEY_LENGTH) })
    }
    out.metadata.push([key, text])
  }
  return out
}
