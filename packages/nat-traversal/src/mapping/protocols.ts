import { randomBytes } from 'node:crypto'
import { formatIp, parseIp } from '@chainwire/interface'
import { NatError } from '../errors'

/** The port NAT-PMP and PCP servers listen on (RFC 6886 §3, RFC 6887 §19.1). */
export const PCP_PORT = 5351

/** One mapping request, in the terms both protocols share. */
export interface MappingRequest {
  readonly protocol: 'tcp' | 'udp'
  readonly internalPort: number
  /** The external port we would like (the gateway may give another). */
  readonly suggestedExternalPort: number
  /** Requested lifetime in seconds; 0 deletes the mapping. */
  readonly lifetimeSeconds: number
}

/** What a gateway granted. */
export interface MappingGrant {
  readonly externalPort: number
  /** Granted lifetime, in seconds. */
  readonly lifetimeSeconds: number
  /** The external IP, when the protocol tells it with the mapping (PCP does; NAT-PMP asks separately). */
  readonly externalIp: string | undefined
}

/** A request/response codec of one port-mapping protocol. */
export interface MappingCodec {
  readonly name: 'pcp' | 'nat-pmp'
  /** Encodes a MAP request; `clientIp` is our LAN address (PCP carries it). Returns the bytes and a matcher. */
  encodeMap(
    request: MappingRequest,
    clientIp: string,
  ): { bytes: Uint8Array; match: (reply: Uint8Array) => MappingGrant | undefined }
}

function mappingFailed(protocol: string, reason: string, details: Record<string, unknown> = {}): NatError {
  return new NatError('ERR_PORT_MAPPING_FAILED', `${protocol}: ${reason}`, { protocol, reason, ...details })
}

const NAT_PMP_RESULTS = [
  'success',
  'unsupported version',
  'not authorized',
  'network failure',
  'out of resources',
  'unsupported opcode',
]

/**
 * NAT-PMP (RFC 6886), written here because the JS library that has it stores the requested external port
 * under the wrong field and writes a millisecond lifetime into the seconds field. A reply matches when its
 * opcode is ours + 128 and its internal port is ours; a non-zero result code throws `ERR_PORT_MAPPING_FAILED`.
 */
export const natPmp: MappingCodec & {
  encodeExternalAddress(): { bytes: Uint8Array; match: (reply: Uint8Array) => string | undefined }
} = {
  name: 'nat-pmp',
  encodeMap(request) {
    const bytes = new Uint8Array(12)
    const v = new DataView(bytes.buffer)
    const op = request.protocol === 'udp' ? 1 : 2
    v.setUint8(0, 0)
    v.setUint8(1, op)
    v.setUint16(4, request.internalPort)
    v.setUint16(6, request.suggestedExternalPort)
    v.setUint32(8, request.lifetimeSeconds)
    return {
      bytes,
      match: (reply) => {
        if (reply.length < 16 || reply[0] !== 0 || reply[1] !== 128 + op) return undefined
        const r = new DataView(reply.buffer, reply.byteOffset, reply.byteLength)
        if (r.getUint16(8) !== request.internalPort) return undefined
        const result = r.getUint16(2)
        if (result !== 0)
          throw mappingFailed('nat-pmp', NAT_PMP_RESULTS[result] ?? `result ${result}`, { result })
        return { externalPort: r.getUint16(10), lifetimeSeconds: r.getUint32(12), externalIp: undefined }
      },
    }
  },
  encodeExternalAddress() {
    return {
      bytes: new Uint8Array([0, 0]),
      match: (reply) => {
        if (reply.length < 12 || reply[0] !== 0 || reply[1] !== 128) return undefined
        const r = new DataView(reply.buffer, reply.byteOffset, reply.byteLength)
        const result = r.getUint16(2)
        if (result !== 0)
          throw mappingFailed('nat-pmp', NAT_PMP_RESULTS[result] ?? `result ${result}`, { result })
        return formatIp(reply.subarray(8, 12))
      },
    }
  },
}

const PCP_RESULTS: Record<number, string> = {
  1: 'UNSUPP_VERSION',
  2: 'NOT_AUTHORIZED',
  3: 'MALFORMED_REQUEST',
  4: 'UNSUPP_OPCODE',
  5: 'UNSUPP_OPTION',
  6: 'MALFORMED_OPTION',
  7: 'NETWORK_FAILURE',
  8: 'NO_RESOURCES',
  9: 'UNSUPP_PROTOCOL',
  10: 'USER_EX_QUOTA',
  11: 'CANNOT_PROVIDE_EXTERNAL',
  12: 'ADDRESS_MISMATCH',
  13: 'EXCESSIVE_REMOTE_PEERS',
}

/** An IP as the 16 bytes PCP carries (IPv4 as IPv4-mapped IPv6). */
function ip16(ip: string): Uint8Array {
  const bytes = parseIp(ip)
  if (bytes === undefined) throw mappingFailed('pcp', `not an IP: ${ip}`)
  if (bytes.length === 16) return bytes
  const out = new Uint8Array(16)
  out[10] = 0xff
  out[11] = 0xff
  out.set(bytes, 12)
  return out
}

/**
 * PCP (RFC 6887) MAP requests: version 2, a 12-byte random nonce that the reply must echo, the client's IP
 * in the header (a gateway compares it with the packet's source to detect an inner NAT). A reply matches on
 * version, opcode, response bit and nonce; a non-zero result code throws `ERR_PORT_MAPPING_FAILED`.
 */
export const pcp: MappingCodec = {
  name: 'pcp',
  encodeMap(request, clientIp) {
    const bytes = new Uint8Array(60)
    const v = new DataView(bytes.buffer)
    v.setUint8(0, 2)
    v.setUint8(1, 1) // MAP
    v.setUint32(4, request.lifetimeSeconds)
    bytes.set(ip16(clientIp), 8)
    const nonce = randomBytes(12)
    bytes.set(nonce, 24)
    v.setUint8(36, request.protocol === 'udp' ? 17 : 6)
    v.setUint16(40, request.internalPort)
    v.setUint16(42, request.suggestedExternalPort)
    // Suggested external IP: all zeros (IPv4-mapped 0.0.0.0 means "any").
    bytes.set(ip16('0.0.0.0'), 44)
    return {
      bytes,
      match: (reply) => {
        if (reply.length < 60 || reply[0] !== 2 || reply[1] !== 0x81) return undefined
        if (!Buffer.from(reply.subarray(24, 36)).equals(nonce)) return undefined
        const r = new DataView(reply.buffer, reply.byteOffset, reply.byteLength)
        const result = r.getUint8(3)
        if (result !== 0) throw mappingFailed('pcp', PCP_RESULTS[result] ?? `result ${result}`, { result })
        const ext = reply.subarray(44, 60)
        const mapped = ext.subarray(0, 12).every((b, i) => b === (i < 10 ? 0 : 0xff))
        return {
          externalPort: r.getUint16(42),
          lifetimeSeconds: r.getUint32(4),
          externalIp: formatIp(mapped ? ext.subarray(12) : ext),
        }
      },
    }
  },
}
