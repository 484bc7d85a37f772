import {
  checkClockSkew,
  type DisconnectReason,
  type HelloData,
  isAddress,
  isCompatibleVersion,
  LIMITS,
  PROTOCOL_VERSION,
} from '@chainwire/protocol-codec'
import type { HandshakeErrorCode } from '../errors'
import type { ResolvedOptions } from '../options'
import type { LocalStatus, NetworkBehaviour } from '../types'

/** Why a remote hello is refused: the disconnect reason sent, the error code and what is reported. */
export interface HelloRejection {
  readonly reason: DisconnectReason
  readonly code: HandshakeErrorCode
  readonly detail: string
  readonly behaviour: NetworkBehaviour | undefined
}

/** Builds our hello for one connection. */
export function buildHello(
  options: ResolvedOptions,
  status: LocalStatus,
  listenAddrs: readonly string[],
  observedAddr: string,
  now: number,
): HelloData {
  return {
    version: PROTOCOL_VERSION,
    networkId: options.networkId,
    roles: [...options.roles],
    bestHeight: status.bestHeight,
    bestHash: status.bestHash,
    totalWork: status.totalWork,
    listenAddrs: listenAddrs.filter(isAddress).slice(0, LIMITS.maxListenAddrs),
    observedAddr: isAddress(observedAddr) ? observedAddr : '',
    userAgent: options.userAgent,
    timestamp: Math.max(0, Math.floor(now)),
    capabilities: [...options.capabilities],
  }
}

/**
 * Checks a remote hello (already schema-valid: the codec decoded it): same network, compatible version,
 * clock within `maxClockSkewMs`. Returns the rejection, or undefined when the hello is acceptable.
 */
export function checkHello(
  hello: HelloData,
  options: ResolvedOptions,
  now: number,
): HelloRejection | undefined {
  if (hello.networkId !== options.networkId) {
    return {
      reason: 'network_mismatch',
      code: 'ERR_NETWORK_MISMATCH',
      detail: `hello names network ${JSON.stringify(hello.networkId)}`,
      behaviour: 'handshake-failure',
    }
  }
  if (!isCompatibleVersion(hello.version)) {
    return {
      reason: 'incompatible_version',
      code: 'ERR_INCOMPATIBLE_VERSION',
      detail: `protocol version ${hello.version} is not compatible`,
      behaviour: 'handshake-failure',
    }
  }
  const skew = checkClockSkew(hello.timestamp, now, options.maxClockSkewMs)
  if (!skew.ok) {
    return {
      reason: 'clock_skew',
      code: 'ERR_CLOCK_SKEW',
      detail: `clock differs by ${skew.skewMs} ms (at most ${skew.maxSkewMs})`,
      behaviour: undefined,
    }
  }
  return undefined
}
