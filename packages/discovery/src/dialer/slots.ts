import type { DiscoveryPeer } from '../components'

/** How many outbound connections of each kind the slot filler keeps. */
export interface SlotTargets {
  fullRelay: number
  blockRelay: number
}

/** Open and pending outbound connections per kind. */
export interface SlotState {
  fullRelay: number
  blockRelay: number
  pendingFullRelay: number
  pendingBlockRelay: number
}

/** Counts the open outbound connections per kind. */
export function countOutbound(peers: readonly DiscoveryPeer[]): { fullRelay: number; blockRelay: number } {
  let fullRelay = 0
  let blockRelay = 0
  for (const p of peers) {
    if (p.direction !== 'outbound') continue
    if (p.kind === 'full-relay') fullRelay++
    else if (p.kind === 'block-relay') blockRelay++
  }
  return { fullRelay, blockRelay }
}

/**
 * How many dials of each kind to start now: the missing connections of each kind, minus the dials already
 * pending, within `maxPending` dials in flight overall. Full-relay slots are filled first (they carry
 * transactions and addresses); block-relay-only slots next.
 */
export function slotsToFill(state: SlotState, targets: SlotTargets, maxPending: number): SlotTargets {
  let room = Math.max(0, maxPending - state.pendingFullRelay - state.pendingBlockRelay)
  const full = Math.min(room, Math.max(0, targets.fullRelay - state.fullRelay - state.pendingFullRelay))
  room -= full
  const block = Math.min(room, Math.max(0, targets.blockRelay - state.blockRelay - state.pendingBlockRelay))
  return { fullRelay: full, blockRelay: block }
}

/**
 * The outbound full-relay peer to rotate out: the one connected longest, unless it is persistent. Undefined
 * while the slots are not all filled (rotation never leaves the node below its target).
 */
export function pickRotation(
  peers: readonly DiscoveryPeer[],
  target: number,
  keep: (peer: DiscoveryPeer) => boolean,
): DiscoveryPeer | undefined {
  const full = peers.filter((p) => p.direction === 'outbound' && p.kind === 'full-relay')
  if (full.length < target) return undefined
  let oldest: DiscoveryPeer | undefined
  for (const p of full) {
    if (keep(p)) continue
    if (oldest === undefined || p.connectedAt < oldest.connectedAt) oldest = p
  }
  return oldest
}
