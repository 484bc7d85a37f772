/**
 * @packageDocumentation
 * The schema toolkit the catalog is written in: compiled validators/converters between the API, wire and
 * JSON forms of every value. Internal to protocol-codec.
 */
export { type ArrayOptions, array, lengthReason } from './array'
export { enumOf } from './enum'
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
export { Layout, MAX_SHAPE_DEPTH, WireClass, type WireShape, wireShape } from './shape'
export { maxWireSize } from './size'
export {
  address,
  addressOrEmpty,
  byteLengthReason,
  peerIdString,
  text,
  token,
  utf8Length,
} from './strings'
export {
  type FastPath,
  fieldCountReason,
  MISSING_FIELD,
  type OptionalField,
  optional,
  type Refinement,
  type StructFields,
  struct,
} from './struct'
export { union } from './union'
export { fail, failAt, formatPath, SchemaViolation, within } from './violation'
