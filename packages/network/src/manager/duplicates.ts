import type { PeerId } from '@chainwire/interface'
import type { Direction } from '../transport/index'

/** What duplicate resolution knows of a connection. */
export interface DuplicateCandidate {
  readonly direction: Direction
  /** The Noise handshake hash: the same on both ends, unique per session. */
  readonly handshakeHash: Uint8Array
}

/**
 * Picks which of two connections with the same peer to keep, so that both ends pick the same one without
 * talking: keep the connection dialed by the peer with the lower peer id; when both were dialed by the same
 * side, keep the one with the lower handshake hash. Returns true to keep `a`.
 */
export function keepFirst(
  localId: PeerId,
  remoteId: PeerId,
  a: DuplicateCandidate,
  b: DuplicateCandidate,
): boolean {
  const dialerA = a.direction === 'outbound' ? localId : remoteId
  const dialerB = b.direction === 'outbound' ? localId : remoteId
  if (dialerA !== dialerB) return dialerA === (localId < remoteId ? localId : remoteId)
  return compareBytes(a.handshakeHash, b.handshakeHash) <= 0
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d
  }
  return a.length - b.length
}
