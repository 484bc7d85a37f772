import { LIMITS } from '../limits'
import { address, array, bytes, enumOf, optional, peerIdString, struct, u32, uintSafe } from '../schema'
import type { SpecTable } from './spec'

/** `observed_address`: the address the sender sees for the receiver (an update after the hello). */
export interface ObservedAddressData {
  addr: string
}

/** `dial_back_request`: asks the receiver to dial the sender back to test its reachability (AutoNAT). */
export interface DialBackRequestData {
  /** Addresses to try, 1 to `LIMITS.maxAddrsPerPeer`. */
  addrs: string[]
  /** Sent back on the dial-back connection, so the requester knows the dial is the one it asked for. */
  nonce: number
  /**
   * The amplification payment (AutoNAT v2): when a server answered `payment_required` for this nonce, the
   * request is sent again with at least that many bytes here (any content), at most
   * `LIMITS.maxDialBackPaymentBytes`.
   */
  payment?: Uint8Array
}

/**
 * Outcome of a dial-back. `payment_required`: the address is not on the requester's IP, so the server
 * dials it only once the request comes again with `paymentBytes` of payment (amplification protection).
 */
export type DialBackStatus =
  | 'ok'
  | 'dial_failed'
  | 'refused'
  | 'bad_request'
  | 'rate_limited'
  | 'payment_required'

/** `dial_back_response`: how the dial-back went. */
export interface DialBackResponseData {
  status: DialBackStatus
  /** The address that was reached, when `status` is `ok`. */
  addr?: string
  /** With `payment_required`: the bytes of payment the request must carry. */
  paymentBytes?: number
}

/** Phase of a direct-connection upgrade (libp2p DCUtR): exchange addresses, then synchronise the dials. */
export type HolePunchPhase = 'connect' | 'sync'

/** `hole_punch_sync`: coordinates a simultaneous dial through an existing relayed connection. */
export interface HolePunchSyncData {
  phase: HolePunchPhase
  /** The sender's observed addresses to dial, at most `LIMITS.maxAddrsPerPeer`. */
  addrs: string[]
}

/** `relay_reserve`: asks a relay for a reservation so others can reach the sender through it. */
export type RelayReserveData = Record<string, never>

/** `relay_connect`: asks a relay to open a circuit to `target`. */
export interface RelayConnectData {
  target: string
  /**
   * Sent by the relay to the target of a circuit (then `target` is the peer that asked for it): the token
   * with which the target claims its end of the circuit on the relay's circuit address.
   */
  circuit?: Uint8Array
}

/** Where and how to claim one end of a relayed circuit. */
export interface RelayCircuit {
  /** One-time token that pairs this end with the other on the relay (16 bytes). */
  token: Uint8Array
  /** The relay's circuit address to connect to and present the token on. */
  addr: string
}

/** Outcome of a relay request (circuit relay v2 status codes). */
export type RelayStatus =
  | 'ok'
  | 'reservation_refused'
  | 'resource_limit'
  | 'permission_denied'
  | 'connection_failed'
  | 'no_reservation'
  | 'malformed'

/** A granted relay reservation. */
export interface RelayReservation {
  /** When the reservation ends, in ms since the epoch. */
  expiresAt: number
  /** Relay addresses others can use to reach the holder, at most `LIMITS.maxAddrsPerPeer`. */
  addrs: string[]
  /** Signed proof of the reservation, at most `LIMITS.maxVoucherBytes`. */
  voucher?: Uint8Array
}

/** Limits the relay applies to each circuit. */
export interface RelayLimit {
  durationMs: number
  dataBytes: number
}

/** `relay_status`: the answer to `relay_reserve` and `relay_connect`. */
export interface RelayStatusData {
  status: RelayStatus
  /** Present when a reservation was granted. */
  reservation?: RelayReservation
  /** Per-circuit limits, when the relay applies any. */
  limit?: RelayLimit
  /** For a granted `relay_connect`: where the requester claims its end of the circuit. */
  circuit?: RelayCircuit
}

/** Data types of the NAT traversal messages. */
export interface NatMessages {
  observed_address: ObservedAddressData
  dial_back_request: DialBackRequestData
  dial_back_response: DialBackResponseData
  hole_punch_sync: HolePunchSyncData
  relay_reserve: RelayReserveData
  relay_connect: RelayConnectData
  relay_status: RelayStatusData
}

const addrs = (min: number) => array(address, { min, max: LIMITS.maxAddrsPerPeer })

/** NAT traversal: observed addresses, dial-back, hole punching and relay circuits. */
export const natSpecs: SpecTable<NatMessages> = {
  observed_address: {
    code: 0x58,
    kind: 'announcement',
    summary: 'the address the sender sees for the receiver',
    schema: struct<ObservedAddressData>({ addr: address }),
  },
  dial_back_request: {
    code: 0x59,
    kind: 'request',
    response: 'dial_back_response',
    summary: 'asks the receiver to dial the sender back (reachability test)',
    schema: struct<DialBackRequestData>({
      addrs: addrs(1),
      nonce: uintSafe,
      payment: optional(bytes(1, LIMITS.maxDialBackPaymentBytes)),
    }),
  },
  dial_back_response: {
    code: 0x5a,
    kind: 'response',
    summary: 'the outcome of a dial-back',
    schema: struct<DialBackResponseData>({
      status: enumOf<DialBackStatus>({
        ok: 0,
        dial_failed: 1,
        refused: 2,
        bad_request: 3,
        rate_limited: 4,
        payment_required: 5,
      }),
      addr: optional(address),
      paymentBytes: optional(u32),
    }),
  },
  hole_punch_sync: {
    code: 0x5b,
    kind: 'announcement',
    summary: 'hole punching: exchange addresses (connect), then dial together (sync)',
    schema: struct<HolePunchSyncData>({
      phase: enumOf<HolePunchPhase>({ connect: 0, sync: 1 }),
      addrs: addrs(0),
    }),
  },
  relay_reserve: {
    code: 0x5c,
    kind: 'request',
    response: 'relay_status',
    summary: 'asks a relay for a reservation',
    schema: struct<RelayReserveData>({}),
  },
  relay_connect: {
    code: 0x5d,
    kind: 'request',
    response: 'relay_status',
    summary: 'asks a relay for a circuit to a peer',
    schema: struct<RelayConnectData>({ target: peerIdString, circuit: optional(bytes(16, 16)) }),
  },
  relay_status: {
    code: 0x5e,
    kind: 'response',
    summary: 'outcome of a relay request, with the reservation and circuit limits',
    schema: struct<RelayStatusData>({
      status: enumOf<RelayStatus>({
        ok: 0,
        reservation_refused: 1,
        resource_limit: 2,
        permission_denied: 3,
        connection_failed: 4,
        no_reservation: 5,
        malformed: 6,
      }),
      reservation: optional(
        struct<RelayReservation>({
          expiresAt: uintSafe,
          addrs: addrs(0),
          voucher: optional(bytes(1, LIMITS.maxVoucherBytes)),
        }),
      ),
      limit: optional(struct<RelayLimit>({ durationMs: u32, dataBytes: uintSafe })),
      circuit: optional(struct<RelayCircuit>({ token: bytes(16, 16), addr: address })),
    }),
  },
}
