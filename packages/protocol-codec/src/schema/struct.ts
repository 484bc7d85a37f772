import type { AnySchema, FieldDesc, Schema } from './schema'
import { fail, failAt, within } from './violation'

/** Marks a struct field as optional: absent (or `null`) in the API, `nil` on the wire, omitted in JSON. */
export interface OptionalField<T> {
  readonly optional: Schema<T>
}

/** Declares an optional struct field. */
export function optional<T>(schema: Schema<T>): OptionalField<T> {
  return { optional: schema }
}

/**
 * The field schemas of a struct `T`, in wire order: a required field takes a `Schema`, an optional one an
 * {@link OptionalField} (forgetting `optional()` on an optional property is a type error).
 */
export type StructFields<T> = {
  [K in keyof T]-?: undefined extends T[K] ? OptionalField<Exclude<T[K], undefined>> : Schema<T[K]>
}

/**
 * A cross-field rule of a struct, checked after its fields: returns `undefined` when the value is valid,
 * otherwise the reason (and optionally the field it concerns).
 */
export type Refinement<T> = (value: T) => undefined | { reason: string; field?: string }

/**
 * Hand-written conversions of a hot struct (headers, transactions, inventory entries): each returns the
 * converted value, or `undefined` when the input is not valid, in which case the generic path runs and
 * reports the precise error. They must accept exactly what the generic path accepts (tests check it).
 */
export interface FastPath<T> {
  toWire(value: unknown): unknown[] | undefined
  fromWire(wire: unknown): T | undefined
}

/** Why a required field that is absent (or `nil` on the wire) is refused (shared with the decoder). */
export const MISSING_FIELD = 'missing required field'

/** Why a wire struct is refused when it is not an array of exactly `n` fields (shared with the decoder). */
export function fieldCountReason(n: number): string {
  return `expected an array of ${n} fields`
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
}

/**
 * A record with named fields: an object in the API and JSON, a positional msgpack array on the wire (field
 * i of the literal is element i, absent optional fields are `nil`). The order of the literal is the wire
 * order, so fields are only ever appended. Encoding ignores unknown properties of API objects; the JSON
 * view rejects unknown keys, since it comes from outside.
 */
export function struct<T extends object>(
  fields: StructFields<T>,
  refine?: Refinement<T>,
  fast?: FastPath<T>,
): Schema<T> {
  const list: FieldDesc[] = Object.entries(fields as Record<string, AnySchema | OptionalField<unknown>>).map(
    ([name, f]) =>
      'optional' in f
        ? { name, schema: (f as OptionalField<unknown>).optional, optional: true }
        : { name, schema: f as AnySchema, optional: false },
  )
  const n = list.length
  const names = new Set(list.map((f) => f.name))
  const check = (value: T): T => {
    const problem = refine?.(value)
    if (problem !== undefined) {
      if (problem.field === undefined) fail(problem.reason)
      failAt(problem.field, problem.reason)
    }
    return value
  }
  const generic: Schema<T> = {
    desc: { kind: 'struct', fields: list, refined: refine !== undefined },
    toWire: (v) => {
      if (!isPlainObject(v)) fail('expected an object')
      const out = new Array<unknown>(n)
      for (let i = 0; i < n; i++) {
        const f = list[i] as FieldDesc
        const x = v[f.name]
        if (x === undefined || x === null) {
          if (!f.optional) failAt(f.name, MISSING_FIELD)
          out[i] = null
          continue
        }
        try {
          out[i] = f.schema.toWire(x)
        } catch (err) {
          throw within(err, f.name)
        }
      }
      if (refine !== undefined) check(v as T)
      return out
    },
    fromWire: (w) => {
      if (!Array.isArray(w) || w.length !== n) fail(fieldCountReason(n))
      const out: Record<string, unknown> = {}
      for (let i = 0; i < n; i++) {
        const f = list[i] as FieldDesc
        const x = w[i]
        if (x === null) {
          if (!f.optional) failAt(f.name, MISSING_FIELD)
          continue
        }
        try {
          out[f.name] = f.schema.fromWire(x)
        } catch (err) {
          throw within(err, f.name)
        }
      }
      return refine === undefined ? (out as T) : check(out as T)
    },
    toJson: (v) => {
      if (!isPlainObject(v)) fail('expected an object')
      const out: Record<string, unknown> = {}
      for (const f of list) {
        const x = v[f.name]
        if (x === undefined || x === null) {
          if (!f.optional) failAt(f.name, MISSING_FIELD)
          continue
        }
        try {
          out[f.name] = f.schema.toJson(x)
        } catch (err) {
          throw within(err, f.name)
        }
      }
      if (refine !== undefined) check(v as T)
      return out
    },
    fromJson: (j) => {
      if (!isPlainObject(j)) fail('expected an object')
      for (const key of Object.keys(j)) if (!names.has(key)) failAt(key, 'unknown field')
      const out: Record<string, unknown> = {}
      for (const f of list) {
        const x = j[f.name]
        if (x === undefined || x === null) {
          if (!f.optional) failAt(f.name, MISSING_FIELD)
          continue
        }
        try {
          out[f.name] = f.schema.fromJson(x)
        } catch (err) {
          throw within(err, f.name)
        }
      }
      return refine === undefined ? (out as T) : check(out as T)
    },
  }
  if (fast === undefined) return generic
  return {
    ...generic,
    toWire: (v) => fast.toWire(v) ?? generic.toWire(v),
    fromWire: (w) => fast.fromWire(w) ?? generic.fromWire(w),
  }
}
