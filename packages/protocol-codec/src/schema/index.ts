/**
 * @packageDocumentation
 * The schema toolkit the catalog is written in: compiled validators/converters between the API, wire and
 * JSON forms of every value. Internal to protocol-codec.
 */
export { array, enumOf, type FastPath, optional, type Refinement, struct } from './composite'
export { fromHex, toHex } from './hex'
export {
  bool,
  bytes,
  hash32,
  publicKey,
  signature,
  u8,
  u16,
  u32,
  u64,
  u256,
  uint,
  uintSafe,
} from './primitives'
export type { AnySchema, Desc, FieldDesc, Schema, VariantDesc } from './schema'
export { maxWireSize } from './size'
export {
  address,
  addressOrEmpty,
  isAddress,
  PEER_ID_PATTERN,
  peerIdString,
  text,
  token,
  utf8Length,
} from './strings'
export { union } from './union'
export { fail, failAt, formatPath, SchemaViolation, within } from './violation'
