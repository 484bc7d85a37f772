/**
 * The node's configuration: one spec of `option.*` fields (resolved by @chainwire/interface's
 * `resolveOptions`, so a bad field fails with its name, `mining.intervalMs`), read from the data dir's
 * `config.json`, then `CHAINWIRE_*` environment variables, then flags; later sources win.
 */
import { type OptionField, type OptionSpec, option, tryParseAddress } from '@chainwire/interface'
import type { ChainParamsJson } from '../devnet/chain-params'
import { CHAIN_PARAMS_SPEC } from '../devnet/chain-params'

/** The roles a node can take. */
export const NODE_ROLES = ['full', 'bootstrap', 'validator', 'relay'] as const
export type NodeRoleName = (typeof NODE_ROLES)[number]

/** How blocks and transactions propagate (a @chainwire/relay strategy). */
export const RELAY_STRATEGIES = ['flood', 'gossip', 'selective', 'announce'] as const
export type RelayStrategyName = (typeof RELAY_STRATEGIES)[number]

/** The whole configuration. Every field has a default; see the README's table. */
export interface NodeConfig {
  /** The chain (`createNetwork` parameters as JSON); the default is @chainwire/chain's devnet. @default devnet */
  chain: ChainParamsJson | null
  /** P2P listen addresses (tcp and ws). @default ['tcp://0.0.0.0:9333', 'ws://0.0.0.0:9334/'] */
  listen: string[]
  /** Addresses announced to peers besides the bound ones. @default [] */
  announce: string[]
  /** Bootstrap nodes dialed at start (asked for peers, then released). @default [] */
  bootstrap: string[]
  /** Peers kept connected, redialed when they drop. @default [] */
  persistentPeers: string[]
  /** DNS seed host names. @default [] */
  dnsSeeds: string[]
  /** mDNS on the LAN: `auto` runs it on devnets only. @default 'auto' */
  mdns: 'auto' | 'on' | 'off'
  /** Roles announced and taken. @default ['full'] */
  roles: NodeRoleName[]
  mining: {
    /** Mine blocks. @default false */
    enabled: boolean
    /** 32-byte public key (hex) the coinbase pays; empty: the node's wallet key. @default '' */
    address: string
    /** Wait until the tip is this old before mining the next block (0: mine continuously). @default 0 */
    intervalMs: number
  }
  validator: {
    /** The validator's 32-byte Ed25519 secret (hex) or `devnet:N` (the published devnet keys). @default '' */
    key: string
  }
  api: {
    /** Serve the HTTP API, metrics and dashboard. @default true */
    enabled: boolean
    /** Bind address of the API, `host:port` (port 0: any free port). @default '127.0.0.1:9380' */
    listen: string
    /** Server-sent-events clients at once. @default 32 */
    maxStreams: number
  }
  limits: {
    /** All connections. @default 125 */
    maxConnections: number
    /** Outbound full-relay connections. @default 8 */
    maxOutbound: number
    /** Connections from one IP. @default 8 */
    maxInboundPerIp: number
    /** Inbound connections from one network group (IPv4 /16, IPv6 /32). @default 16 */
    maxInboundPerNetGroup: number
    /** New inbound connections per IP: tokens per second. @default 0.2 */
    inboundRatePerIp: number
    /** New inbound connections per IP: burst. @default 16 */
    inboundBurstPerIp: number
    /** Largest message accepted, bytes. @default 4_000_000 */
    maxMessageSize: number
    /** Transactions in the mempool. @default 50_000 */
    mempoolCount: number
  }
  relay: {
    /** Strategy of the `blocks` topic. @default 'flood' */
    blocks: RelayStrategyName
    /** Strategy of the `transactions` topic. @default 'flood' */
    transactions: RelayStrategyName
    /** Strategy of the `consensus` topic. @default 'validator_only' */
    consensus: 'validator_only' | 'flood' | 'gossip'
  }
  nat: {
    /** STUN servers `host:port` (hole punching and NAT classification need at least one). @default [] */
    stunServers: string[]
    /** Ask the router for a port mapping (PCP, NAT-PMP). @default false */
    portMapping: boolean
    /** Run a STUN server on this UDP/TCP port (0: none). @default 0 */
    stunServerPort: number
  }
  scoring: {
    /** How long a peer whose score crossed the ban threshold stays banned in the address book, ms. @default 86_400_000 */
    banDurationMs: number
    /** Interval of the peer-score snapshot written to the address book, ms. @default 60_000 */
    snapshotIntervalMs: number
  }
  log: {
    /** pino level. @default 'info' */
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
    /** `auto`: readable lines on a terminal, JSON lines otherwise. @default 'auto' */
    format: 'auto' | 'json' | 'pretty'
  }
}

const addressList = (schemes: readonly string[]): OptionField<string[]> =>
  option.custom<string[]>([], (v) => {
    if (!Array.isArray(v)) return 'must be an array of addresses'
    if (v.length > 64) return 'must hold at most 64 addresses'
    for (const a of v) {
      const parsed = typeof a === 'string' ? tryParseAddress(a) : undefined
      if (parsed === undefined || !schemes.includes(parsed.scheme))
        return `has an invalid address: ${String(a)}`
    }
    return undefined
  })
const withDefault = <T>(field: OptionField<T>, value: T): OptionField<T> => ({ ...field, default: value })
const stringList = (check: (s: string) => boolean, what: string): OptionField<string[]> =>
  option.custom<string[]>([], (v) =>
    Array.isArray(v) && v.length <= 64 && v.every((s) => typeof s === 'string' && check(s))
      ? undefined
      : `must be an array of ${what}`,
  )
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253}):([0-9]{1,5})$/

/** `host:port` split, or undefined. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const m = HOST_PORT.exec(text)
  if (m === null) return undefined
  const port = Number(m[2])
  if (port > 65_535) return undefined
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port }
}

/** The spec of {@link NodeConfig}. */
export const CONFIG_SPEC: OptionSpec<NodeConfig> = {
  chain: option.custom<ChainParamsJson | null>(null, (v) =>
    v === null || (typeof v === 'object' && !Array.isArray(v)) ? undefined : 'must be an object or null',
  ),
  listen: withDefault(addressList(['tcp', 'ws', 'wss']), ['tcp://0.0.0.0:9333', 'ws://0.0.0.0:9334/']),
  announce: addressList(['tcp', 'ws', 'wss']),
  bootstrap: addressList(['tcp', 'ws', 'wss']),
  persistentPeers: addressList(['tcp', 'ws', 'wss']),
  dnsSeeds: stringList((s) => /^[A-Za-z0-9.-]{1,253}$/.test(s), 'host names'),
  mdns: option.oneOf<'auto' | 'on' | 'off'>('auto', ['auto', 'on', 'off']),
  roles: withDefault(
    stringList((s) => (NODE_ROLES as readonly string[]).includes(s), NODE_ROLES.join(' | ')),
    ['full'],
  ) as OptionField<NodeRoleName[]>,
  mining: option.group({
    enabled: option.boolean(false),
    address: option.string('', { pattern: /^([0-9a-f]{64})?$/ }),
    intervalMs: option.integer(0, { min: 0, max: 3_600_000 }),
  }),
  validator: option.group({
    key: option.string('', { pattern: /^([0-9a-f]{64}|devnet:[0-9]{1,3})?$/ }),
  }),
  api: option.group({
    enabled: option.boolean(true),
    listen: option.custom<string>('127.0.0.1:9380', (v) =>
      typeof v === 'string' && parseHostPort(v) !== undefined ? undefined : 'must be host:port',
    ),
    maxStreams: option.integer(32, { min: 1, max: 1_024 }),
  }),
  limits: option.group({
    maxConnections: option.integer(125, { min: 1, max: 10_000 }),
    maxOutbound: option.integer(8, { min: 0, max: 64 }),
    maxInboundPerIp: option.integer(8, { min: 1, max: 10_000 }),
    maxInboundPerNetGroup: option.integer(16, { min: 1, max: 10_000 }),
    inboundRatePerIp: option.number(0.2, { min: 0.001, max: 10_000 }),
    inboundBurstPerIp: option.integer(16, { min: 1, max: 10_000 }),
    maxMessageSize: option.integer(4_000_000, { min: 65_536, max: 64_000_000 }),
    mempoolCount: option.integer(50_000, { min: 1, max: 1_000_000 }),
  }),
  relay: option.group({
    blocks: option.oneOf<RelayStrategyName>('flood', RELAY_STRATEGIES),
    transactions: option.oneOf<RelayStrategyName>('flood', RELAY_STRATEGIES),
    consensus: option.oneOf<'validator_only' | 'flood' | 'gossip'>('validator_only', [
      'validator_only',
      'flood',
      'gossip',
    ]),
  }),
  nat: option.group({
    stunServers: stringList((s) => parseHostPort(s) !== undefined, 'host:port'),
    portMapping: option.boolean(false),
    stunServerPort: option.integer(0, { min: 0, max: 65_535 }),
  }),
  scoring: option.group({
    banDurationMs: option.integer(86_400_000, { min: 1_000 }),
    snapshotIntervalMs: option.integer(60_000, { min: 1_000 }),
  }),
  log: option.group({
    level: option.oneOf<NodeConfig['log']['level']>('info', [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ]),
    format: option.oneOf<'auto' | 'json' | 'pretty'>('auto', ['auto', 'json', 'pretty']),
  }),
}

/** The chain parameters' own spec, re-exported for the `config` command's documentation. */
export { CHAIN_PARAMS_SPEC }
