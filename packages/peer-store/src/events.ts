import type { PeerStoreEvents } from './types'

/** How internal parts raise a {@link PeerStoreEvents} event through the store (which also counts it). */
export type Emit = <K extends keyof PeerStoreEvents>(name: K, ...args: Parameters<PeerStoreEvents[K]>) => void
