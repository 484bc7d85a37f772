import { formatIp, parseIp } from '@chainwire/interface'
import { NatError } from '../errors'
import { attribute, MAGIC_COOKIE, StunAttr, type StunAttribute, type StunMessage } from './message'

/** A transport address carried in a STUN attribute. */
export interface StunAddress {
  readonly family: 'ipv4' | 'ipv6'
  /** Canonical text form (dotted IPv4, RFC 5952 IPv6). */
  readonly host: string
  readonly port: number
}

function malformed(reason: string): NatError {
  return new NatError('ERR_STUN_MALFORMED', `malformed STUN attribute: ${reason}`, { reason })
}

/** The 16 bytes an IPv6 XOR-address is masked with: the magic cookie then the transaction id. */
function xorMask(transactionId: Uint8Array): Uint8Array {
  const mask = new Uint8Array(16)
  new DataView(mask.buffer).setUint32(0, MAGIC_COOKIE)
  mask.set(transactionId, 4)
  return mask
}

/** Encodes an address attribute value (MAPPED-ADDRESS family), XOR-ed when `transactionId` is given. */
export function encodeAddress(
  address: { host: string; port: number },
  transactionId?: Uint8Array,
): Uint8Array {
  const ip = parseIp(address.host)
  if (ip === undefined) throw malformed(`not an IP literal: ${address.host}`)
  const out = new Uint8Array(4 + ip.length)
  const view = new DataView(out.buffer)
  view.setUint8(1, ip.length === 4 ? 0x01 : 0x02)
  const mask = transactionId === undefined ? undefined : xorMask(transactionId)
  view.setUint16(2, mask === undefined ? address.port : address.port ^ (MAGIC_COOKIE >>> 16))
  for (let i = 0; i < ip.length; i++)
    out[4 + i] = (ip[i] as number) ^ (mask === undefined ? 0 : (mask[i] as number))
  return out
}

/** Decodes an address attribute value, un-XOR-ing it when `transactionId` is given. */
export function decodeAddress(value: Uint8Array, transactionId?: Uint8Array): StunAddress {
  if (value.length < 4) throw malformed('address shorter than 4 bytes')
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength)
  const family = view.getUint8(1)
  const length = family === 0x01 ? 4 : family === 0x02 ? 16 : 0
  if (length === 0) throw malformed(`unknown address family ${family}`)
  if (value.length !== 4 + length) throw malformed('address length does not match its family')
  const mask = transactionId === undefined ? undefined : xorMask(transactionId)
  const port = mask === undefined ? view.getUint16(2) : view.getUint16(2) ^ (MAGIC_COOKIE >>> 16)
  const ip = new Uint8Array(length)
  for (let i = 0; i < length; i++)
    ip[i] = (value[4 + i] as number) ^ (mask === undefined ? 0 : (mask[i] as number))
  return { family: length === 4 ? 'ipv4' : 'ipv6', host: formatIp(ip), port }
}

/** An XOR-address attribute (XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS). */
export function xorAddressAttribute(
  type: number,
  address: { host: string; port: number },
  transactionId: Uint8Array,
): StunAttribute {
  return { type, value: encodeAddress(address, transactionId) }
}

/**
 * The reflexive address of a Binding response: XOR-MAPPED-ADDRESS, or the older MAPPED-ADDRESS that RFC 3489
 * servers send. Undefined when neither is present.
 */
export function mappedAddressOf(message: StunMessage): StunAddress | undefined {
  const xored = attribute(message, StunAttr.xorMappedAddress)
  if (xored !== undefined) return decodeAddress(xored, message.transactionId)
  const plain = attribute(message, StunAttr.mappedAddress)
  return plain === undefined ? undefined : decodeAddress(plain)
}

/** ERROR-CODE's value (RFC 5389 §15.6): class and number as one code (401, 438 ...) and a reason phrase. */
export function encodeErrorCode(code: number, reason: string): Uint8Array {
  const text = new TextEncoder().encode(reason.slice(0, 127))
  const out = new Uint8Array(4 + text.length)
  out[2] = Math.floor(code / 100) & 0x07
  out[3] = code % 100
  out.set(text, 4)
  return out
}

/** Decodes ERROR-CODE; throws `ERR_STUN_MALFORMED` when it is too short or out of range. */
export function decodeErrorCode(value: Uint8Array): { code: number; reason: string } {
  if (value.length < 4) throw malformed('ERROR-CODE shorter than 4 bytes')
  const cls = (value[2] as number) & 0x07
  const num = value[3] as number
  if (cls < 3 || num > 99) throw malformed('ERROR-CODE out of range')
  return {
    code: cls * 100 + num,
    reason: new TextDecoder('utf-8', { fatal: false }).decode(value.subarray(4)),
  }
}

/** A UTF-8 text attribute (USERNAME, REALM, NONCE, SOFTWARE). */
export function textAttribute(type: number, text: string): StunAttribute {
  return { type, value: new TextEncoder().encode(text) }
}

/** A 32-bit unsigned attribute (LIFETIME, CONNECTION-ID, CHANGE-REQUEST ...). */
export function u32Attribute(type: number, value: number): StunAttribute {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, value >>> 0)
  return { type, value: out }
}

/** Reads a 32-bit attribute value; throws `ERR_STUN_MALFORMED` when it is not 4 bytes. */
export function readU32(value: Uint8Array): number {
  if (value.length !== 4) throw malformed('expected a 4-byte value')
  return new DataView(value.buffer, value.byteOffset, 4).getUint32(0)
}

/** Decodes a UTF-8 text attribute. */
export function readText(value: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(value)
}
