/**
 * The public types of the light client: components, events, results. `index.ts` re-exports them;
 * implementation files import them from here.
 */
import type { Network as ChainNetwork, ChainTip, ReorgEvent, SignatureVerifier } from '@chainwire/chain'
import type { Clock, Logger, PeerId } from '@chainwire/interface'
import type { Identity, Transport } from '@chainwire/network'
import type { MerkleProof, Transaction } from '@chainwire/protocol-codec'
import type { AbstractLevel } from 'abstract-level'

/** Any `abstract-level` database: classic-level on disk (Node), memory-level in tests, browser-level later. */
// biome-ignore lint/suspicious/noExplicitAny: keys and values are encoded per sublevel
export type LightDatabase = AbstractLevel<any, any, any>

/** What the light client needs from its host: the chain's rules and the platform adapters. */
export interface LightClientComponents {
  /** The chain network whose headers the client follows (rules, genesis, validators). */
  chain: ChainNetwork
  /** Every timer and timestamp. @default systemClock */
  clock?: Clock
  /** @default noopLogger */
  logger?: Logger
  /** The P2P identity. @default a fresh one per start (the Node adapter keeps one in the data dir) */
  identity?: Identity
  /** The transports (the Node adapter passes tcp and ws; a browser, WebSocket). @default network's tcp + ws */
  transports?: readonly Transport[]
  /** Where headers, filter headers, watched keys and bans live. @default a fresh memory-level database */
  db?: LightDatabase
  /** Ed25519 checks of validator precommits. @default chain's node:crypto verifier */
  verifier?: SignatureVerifier
}

/** A header the client verified and how much work its chain has. */
export type LightTip = ChainTip

/** Why the client banned a peer. */
export type BanReason =
  /** Headers that fail validation (proof of work, difficulty, time, a fork below a final block ...). */
  | 'invalid-headers'
  /** Headers that connect to nothing we know, more than `maxUnconnectingHeaders` times. */
  | 'unconnecting-headers'
  /** A chain with less work than the peer claimed in its hello (a low-work fork presented as best). */
  | 'low-work-chain'
  /** A chain without the checkpoint. */
  | 'checkpoint-mismatch'
  /** A `get_headers` not answered in time: the peer stalls header sync. */
  | 'stalled'
  /** A merkle proof that does not verify, or that proves another block than the one asked for. */
  | 'bad-proof'
  /** A filter header chain, or a filter, that disagrees with the block it describes. */
  | 'bad-filter'
  /** A block whose header or merkle root is not the one asked for. */
  | 'bad-block'
  /** A precommit that fails verification (signature, unknown validator). */
  | 'bad-vote'

/** Payload of `peer:banned`. */
export interface PeerBannedEvent {
  readonly peerId: PeerId
  readonly reason: BanReason
  readonly detail: string
}

/** Payload of `progress`. */
export interface LightProgress {
  /** Height of the best valid header. */
  readonly headers: number
  /** The best height peers claim (at least `headers`). */
  readonly target: number
  /** Height of the verified tip (agreed by peers or past a checkpoint). */
  readonly verified: number
  /** Height up to which filter headers are verified (-1 before the genesis one). */
  readonly filterHeaders: number
  /** Connected full nodes. */
  readonly peers: number
}

/** A transaction that pays or is paid by a watched key, with its inclusion proof. */
export interface WatchedTransaction {
  readonly tx: Transaction
  readonly txHash: Uint8Array
  readonly blockHash: Uint8Array
  readonly height: number
  /** `in`: pays the key; `out`: sent by it; `self`: both. */
  readonly direction: 'in' | 'out' | 'self'
  /** Which watched key (hex). */
  readonly key: string
  /** The merkle proof against the verified header. */
  readonly proof: MerkleProof
}

/** What {@link LightClient.verifyTransaction} proved. */
export interface TransactionVerification {
  readonly txHash: Uint8Array
  readonly blockHash: Uint8Array
  readonly height: number
  /** Position of the transaction in the block. */
  readonly index: number
  /** 1 when the block is the tip, more below it. */
  readonly confirmations: number
  /** The block is at or below the last block finalised by the validators. */
  readonly final: boolean
  /** The block is at or below the verified tip (agreed by peers or past a checkpoint). */
  readonly verified: boolean
  readonly proof: MerkleProof
  /** The peer that served the proof. */
  readonly peerId: PeerId
}

/** The events of a light client. */
export type LightClientEvents = {
  /** The verified tip moved (peers agreed on more headers, or a checkpoint covered them). */
  tip: (tip: LightTip) => void
  /** The best valid header moved (before peers agree on it). */
  header: (tip: LightTip) => void
  /** The best header chain reorganised. */
  reorg: (event: ReorgEvent) => void
  /** A block became final (more than 2/3 of the validators' power precommitted it). */
  finalized: (event: { hash: Uint8Array; height: number }) => void
  /** Header and filter sync progress, every `progressIntervalMs` while behind. */
  progress: (progress: LightProgress) => void
  /** A peer was banned. */
  'peer:banned': (event: PeerBannedEvent) => void
  /** Peers disagreed on filter headers at `height`; the block decided. */
  'filter:mismatch': (event: { height: number; banned: readonly PeerId[] }) => void
  /** A watched key's transaction, found through the filters and proven. */
  transaction: (tx: WatchedTransaction) => void
}

/** A snapshot for status pages and the CLI. */
export interface LightStatus {
  readonly started: boolean
  readonly networkId: string
  readonly peerId: PeerId
  readonly best: LightTip
  readonly verified: LightTip
  readonly final: { height: number; hash: Uint8Array }
  readonly filterHeaders: number
  readonly scannedHeight: number
  readonly watched: readonly string[]
  readonly peers: readonly { peerId: PeerId; group: string; address: string; best: number | undefined }[]
  readonly banned: number
  /** Bytes per header the header chain holds in memory. */
  readonly memoryPerHeader: number
}
