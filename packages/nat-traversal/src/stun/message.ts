import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { NatError } from '../errors'
import { crc32 } from './crc32'

/** The fixed value every RFC 5389 message carries in bytes 4-7. */
export const MAGIC_COOKIE = 0x2112a442
/** Size of the STUN header (type, length, cookie, transaction id). */
export const HEADER_LENGTH = 20
/** Size of a transaction id. */
export const TRANSACTION_ID_LENGTH = 12
/**
 * Largest STUN message encoded or decoded: a UDP datagram on a 1500-byte path leaves 1472 bytes, and TURN's
 * Data indications carry at most that; longer input is refused before it is parsed.
 */
export const MAX_STUN_MESSAGE = 4_096
/** Attributes decoded from one message at most (a flood of tiny attributes is refused). */
export const MAX_STUN_ATTRIBUTES = 64

const FINGERPRINT_XOR = 0x5354554e
const INTEGRITY_LENGTH = 20

/** The four STUN message classes (RFC 5389 §6). */
export type StunClass = 'request' | 'indication' | 'success' | 'error'

/** STUN and TURN methods (RFC 5389, RFC 5766, RFC 6062). */
export const StunMethod = {
  binding: 0x001,
  allocate: 0x003,
  refresh: 0x004,
  send: 0x006,
  data: 0x007,
  createPermission: 0x008,
  channelBind: 0x009,
  connect: 0x00a,
  connectionBind: 0x00b,
  connectionAttempt: 0x00c,
} as const

/** Attribute types used by chainwire (RFC 5389, 5780, 5766, 6062). */
export const StunAttr = {
  mappedAddress: 0x0001,
  changeRequest: 0x0003,
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  unknownAttributes: 0x000a,
  channelNumber: 0x000c,
  lifetime: 0x000d,
  xorPeerAddress: 0x0012,
  data: 0x0013,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
  padding: 0x0026,
  responsePort: 0x0027,
  connectionId: 0x002a,
  software: 0x8022,
  fingerprint: 0x8028,
  responseOrigin: 0x802b,
  otherAddress: 0x802c,
} as const

/** One attribute: its type and raw value (without padding). */
export interface StunAttribute {
  readonly type: number
  readonly value: Uint8Array
}

/** A STUN message. */
export interface StunMessage {
  readonly method: number
  readonly cls: StunClass
  /** 12 bytes. */
  readonly transactionId: Uint8Array
  /** In wire order; MESSAGE-INTEGRITY and FINGERPRINT are not in this list (see the encode options). */
  readonly attributes: readonly StunAttribute[]
}

/** A decoded message, with what is needed to check its integrity and fingerprint. */
export interface DecodedStunMessage extends StunMessage {
  /** The whole message as received. */
  readonly raw: Uint8Array
  /** Offset of the MESSAGE-INTEGRITY attribute's header, when present. */
  readonly integrityOffset: number | undefined
  /** Whether a FINGERPRINT was present (it was checked by `decodeStun`). */
  readonly hasFingerprint: boolean
}

/** Options of {@link encodeStun}. */
export interface EncodeStunOptions {
  /** Key of a MESSAGE-INTEGRITY attribute to append (see {@link shortTermKey}, {@link longTermKey}). */
  integrityKey?: Uint8Array
  /** Append a FINGERPRINT attribute. @default true */
  fingerprint?: boolean
}

function malformed(reason: string): NatError {
  return new NatError('ERR_STUN_MALFORMED', `malformed STUN message: ${reason}`, { reason })
}

const CLASS_BITS: Record<StunClass, number> = {
  request: 0x000,
  indication: 0x010,
  success: 0x100,
  error: 0x110,
}

function messageType(method: number, cls: StunClass): number {
  const m = method & 0xfff
  return ((m & 0xf80) << 2) | ((m & 0x070) << 1) | (m & 0x00f) | CLASS_BITS[cls]
}

function classOf(type: number): StunClass {
  const c = type & 0x110
  return c === 0x000 ? 'request' : c === 0x010 ? 'indication' : c === 0x100 ? 'success' : 'error'
}

function methodOf(type: number): number {
  return ((type & 0x3e00) >> 2) | ((type & 0x00e0) >> 1) | (type & 0x000f)
}

/** A fresh random 12-byte transaction id. */
export function newTransactionId(): Uint8Array {
  return new Uint8Array(randomBytes(TRANSACTION_ID_LENGTH))
}

/** The short-term credential key: the password itself (RFC 5389 §15.4, SASLprep is left to the caller). */
export function shortTermKey(password: string): Uint8Array {
  return new TextEncoder().encode(password)
}

/** The long-term credential key: MD5(username ":" realm ":" password) (RFC 5389 §15.4). */
export function longTermKey(username: string, realm: string, password: string): Uint8Array {
  return new Uint8Array(createHash('md5').update(`${username}:${realm}:${password}`, 'utf8').digest())
}

/**
 * Encodes a message, appending MESSAGE-INTEGRITY (when a key is given) and FINGERPRINT (by default). Throws
 * `ERR_STUN_MALFORMED` for a message that would exceed {@link MAX_STUN_MESSAGE} or a bad transaction id.
 */
export function encodeStun(message: StunMessage, options: EncodeStunOptions = {}): Uint8Array {
  if (message.transactionId.length !== TRANSACTION_ID_LENGTH)
    throw malformed('transaction id is not 12 bytes')
  let size = HEADER_LENGTH
  for (const a of message.attributes) {
    if (a.value.length > 0xffff) throw malformed('attribute longer than 65535 bytes')
    size += 4 + pad4(a.value.length)
  }
  const withIntegrity = options.integrityKey !== undefined
  const withFingerprint = options.fingerprint ?? true
  const total = size + (withIntegrity ? 24 : 0) + (withFingerprint ? 8 : 0)
  if (total > MAX_STUN_MESSAGE) throw malformed(`message of ${total} bytes exceeds ${MAX_STUN_MESSAGE}`)
  const out = new Uint8Array(total)
  const view = new DataView(out.buffer)
  view.setUint16(0, messageType(message.method, message.cls))
  view.setUint32(4, MAGIC_COOKIE)
  out.set(message.transactionId, 8)
  let offset = HEADER_LENGTH
  for (const a of message.attributes) {
    view.setUint16(offset, a.type)
    view.setUint16(offset + 2, a.value.length)
    out.set(a.value, offset + 4)
    offset += 4 + pad4(a.value.length)
  }
  if (options.integrityKey !== undefined) {
    // The length field covers everything up to and including MESSAGE-INTEGRITY while it is computed.
    view.setUint16(2, offset + 24 - HEADER_LENGTH)
    const hmac = createHmac('sha1', options.integrityKey).update(out.subarray(0, offset)).digest()
    view.setUint16(offset, StunAttr.messageIntegrity)
    view.setUint16(offset + 2, INTEGRITY_LENGTH)
    out.set(hmac, offset + 4)
    offset += 24
  }
  if (withFingerprint) {
    view.setUint16(2, offset + 8 - HEADER_LENGTH)
    const crc = (crc32(out.subarray(0, offset)) ^ FINGERPRINT_XOR) >>> 0
    view.setUint16(offset, StunAttr.fingerprint)
    view.setUint16(offset + 2, 4)
    view.setUint32(offset + 4, crc)
    offset += 8
  }
  view.setUint16(2, offset - HEADER_LENGTH)
  return out
}

/**
 * Whether `bytes` starts like a STUN message (top two bits zero and the magic cookie): how a port shared with
 * other protocols tells STUN apart (RFC 5389 §8; TURN ChannelData starts with 0b01).
 */
export function isStunMessage(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER_LENGTH || (bytes[0] as number) >> 6 !== 0) return false
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4) === MAGIC_COOKIE
}

/**
 * Decodes one whole STUN message. Checks the header (leading zero bits, magic cookie, length a multiple of 4
 * and equal to the bytes given), every attribute's bounds, that FINGERPRINT (if present) is last and correct,
 * and that only FINGERPRINT follows MESSAGE-INTEGRITY. Anything else throws `ERR_STUN_MALFORMED`; nothing is
 * allocated beyond the attribute list, which is bounded by {@link MAX_STUN_ATTRIBUTES}.
 */
export function decodeStun(bytes: Uint8Array): DecodedStunMessage {
  if (bytes.length < HEADER_LENGTH) throw malformed('shorter than the header')
  if (bytes.length > MAX_STUN_MESSAGE) throw malformed(`longer than ${MAX_STUN_MESSAGE} bytes`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const type = view.getUint16(0)
  if (type >> 14 !== 0) throw malformed('the first two bits are not zero')
  if (view.getUint32(4) !== MAGIC_COOKIE) throw malformed('no magic cookie')
  const length = view.getUint16(2)
  if (length % 4 !== 0) throw malformed('length is not a multiple of 4')
  if (HEADER_LENGTH + length !== bytes.length) throw malformed('length does not match the message size')
  const attributes: StunAttribute[] = []
  let integrityOffset: number | undefined
  let hasFingerprint = false
  let offset = HEADER_LENGTH
  while (offset < bytes.length) {
    if (hasFingerprint) throw malformed('attribute after FINGERPRINT')
    if (offset + 4 > bytes.length) throw malformed('truncated attribute header')
    const attrType = view.getUint16(offset)
    const attrLength = view.getUint16(offset + 2)
    const end = offset + 4 + attrLength
    if (end > bytes.length) throw malformed('attribute runs past the end')
    if (attrType === StunAttr.fingerprint) {
      if (attrLength !== 4) throw malformed('FINGERPRINT is not 4 bytes')
      const want = (crc32(bytes.subarray(0, offset)) ^ FINGERPRINT_XOR) >>> 0
      if (view.getUint32(offset + 4) !== want) throw malformed('FINGERPRINT does not match')
      hasFingerprint = true
    } else if (integrityOffset !== undefined) {
      throw malformed('attribute after MESSAGE-INTEGRITY')
    } else if (attrType === StunAttr.messageIntegrity) {
      if (attrLength !== INTEGRITY_LENGTH) throw malformed('MESSAGE-INTEGRITY is not 20 bytes')
      integrityOffset = offset
    } else {
      if (attributes.length >= MAX_STUN_ATTRIBUTES)
        throw malformed(`more than ${MAX_STUN_ATTRIBUTES} attributes`)
      attributes.push({ type: attrType, value: bytes.subarray(offset + 4, end) })
    }
    offset += 4 + pad4(attrLength)
  }
  if (offset !== bytes.length) throw malformed('padding runs past the end')
  return {
    method: methodOf(type),
    cls: classOf(type),
    transactionId: bytes.subarray(8, HEADER_LENGTH),
    attributes,
    raw: bytes,
    integrityOffset,
    hasFingerprint,
  }
}

/**
 * Checks a decoded message's MESSAGE-INTEGRITY against `key` (RFC 5389 §15.4: the HMAC covers the message up
 * to the attribute, with the length field adjusted to end just after it). False when absent or wrong.
 */
export function verifyIntegrity(message: DecodedStunMessage, key: Uint8Array): boolean {
  const at = message.integrityOffset
  if (at === undefined) return false
  const head = new Uint8Array(message.raw.subarray(0, at))
  new DataView(head.buffer).setUint16(2, at + 24 - HEADER_LENGTH)
  const want = createHmac('sha1', key).update(head).digest()
  return timingSafeEqual(want, message.raw.subarray(at + 4, at + 24))
}

/** The value of the first attribute of `type`, or undefined. */
export function attribute(message: StunMessage, type: number): Uint8Array | undefined {
  for (const a of message.attributes) if (a.type === type) return a.value
  return undefined
}

/** Whether two transaction ids are equal. */
export function sameTransaction(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b)
}

function pad4(n: number): number {
  return (n + 3) & ~3
}
