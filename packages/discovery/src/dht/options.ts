import { type OptionField, type OptionSpec, option } from '@chainwire/interface'
import { DIAL_KINDS, type DialKind } from '../components'
import { resolveServiceOptions } from '../util/options'
import { addressSubnet } from './routing-table'

/** Options of the Kademlia DHT; every field is optional. */
export interface DhtOptions {
  /** Contacts per bucket, and nodes a lookup converges on (Kademlia's k). @default 20 */
  k?: number
  /** Requests a lookup keeps in flight. @default 3 */
  alpha?: number
  /** Deadline of one `find_node` request (including the dial when there is no connection). @default 5_000 */
  requestTimeoutMs?: number
  /** Deadline of a whole lookup; past it the lookup returns what it found. @default 30_000 */
  lookupTimeoutMs?: number
  /** Lookups running at once; more fail with `ERR_BUSY`. @default 8 */
  maxConcurrentLookups?: number
  /** Candidates a lookup remembers (the farthest unqueried ones are forgotten). @default 100 */
  maxLookupCandidates?: number
  /** Nodes in one `nodes` reply we send; replies with more than 16 are rejected (DESIGN.md §5). @default 16 */
  maxNodesPerReply?: number
  /** Contacts of one IPv4 /24 (IPv6 /48) per bucket. @default 2 */
  maxPerSubnetPerBucket?: number
  /** Contacts of one IPv4 /24 (IPv6 /48) in the whole table. @default 10 */
  maxPerSubnetPerTable?: number
  /**
   * Your own subnets for the two limits above, called with a contact's address; undefined falls back to the
   * built-in one (interface's `dhtSubnet`: IPv4 /24, IPv6 /48, a DNS host or a `memory://` name). A simulation whose
   * nodes listen on `memory://` names passes one that maps each name to its node's synthetic IP, so the limits
   * bite as they would on the internet. @default the built-in subnets
   */
  subnetOf?: (address: string) => string | undefined
  /** Candidates kept per full bucket to replace contacts that stop answering. @default 8 */
  replacementCacheSize?: number
  /** How often buckets are checked for refresh and liveness. @default 60_000 */
  refreshCheckIntervalMs?: number
  /** A bucket not looked into for this long is refreshed with a lookup of a random id in it. @default 3_600_000 */
  bucketRefreshMs?: number
  /** Bucket refresh lookups started per check at most. @default 2 */
  maxRefreshesPerCheck?: number
  /** A contact silent for this long gets a liveness check (a `find_node` of our own id). @default 600_000 */
  livenessIntervalMs?: number
  /** Liveness checks and address verifications running at once at most. @default 8 */
  maxConcurrentChecks?: number
  /** Delay after `start()` before the first lookup of our own id. @default 1_000 */
  initialLookupDelayMs?: number
  /**
   * Identity proof of work (S/Kademlia's static puzzle): leading zero bits SHA-256(node id) must have for a
   * node to enter the table or be followed in a lookup. 0 turns it off.
   * @default 0
   */
  proofOfWorkDifficulty?: number
  /** The outbound slot kind of connections opened only to ask a node. @default 'manual' */
  dialKind?: DialKind
  /**
   * Warm query connections held at most (in use or idle): the DHT keeps the connections it opens to ask nodes
   * open `queryConnectionIdleMs` for the next query, closing the one idle longest when the bound is reached;
   * a lookup asks at most this many nodes at once. Keep it below the network's slots of `dialKind`
   * (`maxManual`, 8), leaving room for bootstrap and persistent peers, or raise both (a node that looks up a
   * lot: 24 with `maxManual` 32). More queries wait for one.
   * @default 6
   */
  maxQueryConnections?: number
  /** Peers whose address verification is remembered (not repeated) at most. @default 1_024 */
  maxRememberedPeers?: number
  /**
   * An idle query connection is kept open this long after its last query, so the next query to that node
   * (a later lookup's first hop, a liveness check) costs one round trip instead of a dial. @default 60_000
   */
  queryConnectionIdleMs?: number
  /**
   * Failed queries in a row after which a contact with no replacement waiting leaves the table (with a
   * replacement it leaves at the first; a failed contact is never handed out meanwhile). @default 2
   */
  maxContactFailures?: number
  /**
   * Kademlia's stall rule: a lookup whose last `alpha` answers brought nothing closer asks every unasked node
   * of the k closest at once. @default true
   */
  widenOnStall?: boolean
  /**
   * Ask nodes we have no connection to over the network's datagram wire (one signed packet each way, one
   * round trip) instead of dialing them; addresses without datagrams (ws, wss) are still dialed. Off, or on a
   * network without `datagramRequest`, every query rides a connection. @default true
   */
  datagrams?: boolean
  /**
   * Longest deadline of one datagram query (sent once more at half of it), and the deadline before any answer
   * measured the round trips; a node silent that long counts as failed. @default 1_000
   */
  datagramTimeoutMs?: number
  /**
   * Shortest deadline of one datagram query. Between the two, the deadline follows the round trips of the
   * answers (smoothed RTT + 4 x its deviation, as TCP's retransmission timeout), so a dead node costs a few
   * round trips, not a second. @default 250
   */
  datagramMinTimeoutMs?: number
}

/** {@link DhtOptions} with every default applied. */
export type ResolvedDhtOptions = Required<DhtOptions>

const count = (d: number, max?: number) => option.integer(d, max === undefined ? { min: 1 } : { min: 1, max })
const ms = (d: number) => option.integer(d, { min: 1 })

/** The spec of {@link DhtOptions}: defaults and ranges. */
const SPEC: OptionSpec<ResolvedDhtOptions> = {
  k: count(20),
  alpha: count(3),
  requestTimeoutMs: ms(5_000),
  lookupTimeoutMs: ms(30_000),
  maxConcurrentLookups: count(8),
  maxLookupCandidates: count(100),
  maxNodesPerReply: count(16, 16),
  maxPerSubnetPerBucket: count(2),
  maxPerSubnetPerTable: count(10),
  subnetOf: option.callback<((address: string) => string | undefined) | undefined>(undefined) as OptionField<
    (address: string) => string | undefined
  >,
  replacementCacheSize: option.integer(8, { min: 0 }),
  refreshCheckIntervalMs: ms(60_000),
  bucketRefreshMs: ms(3_600_000),
  maxRefreshesPerCheck: option.integer(2, { min: 0 }),
  livenessIntervalMs: ms(600_000),
  maxConcurrentChecks: count(8),
  initialLookupDelayMs: option.integer(1_000, { min: 0 }),
  proofOfWorkDifficulty: option.integer(0, { min: 0, max: 64 }),
  dialKind: option.oneOf<DialKind>('manual', DIAL_KINDS),
  maxQueryConnections: count(6),
  maxRememberedPeers: count(1_024),
  queryConnectionIdleMs: ms(60_000),
  maxContactFailures: count(2),
  widenOnStall: option.boolean(true),
  datagrams: option.boolean(true),
  datagramTimeoutMs: ms(1_000),
  datagramMinTimeoutMs: ms(250),
}

/** Applies the defaults and checks the ranges; throws `ERR_INVALID_OPTIONS`. */
export function resolveDhtOptions(o: DhtOptions = {}): ResolvedDhtOptions {
  const r = resolveServiceOptions(SPEC, o, 'dht')
  return { ...r, subnetOf: customSubnets(o.subnetOf) }
}

/**
 * The subnet function the routing table uses: the caller's first (prefixed, never equal to a built-in one),
 * else {@link addressSubnet}.
 */
function customSubnets(custom: DhtOptions['subnetOf']): (address: string) => string | undefined {
  if (custom === undefined) return addressSubnet
  return (address) => {
    const s = custom(address)
    return s === undefined ? addressSubnet(address) : `custom:${s}`
  }
}
