import type { AnySchema, ArrayOrder, FieldDesc, Schema } from './schema'
import { fail, failAt, within } from './violation'

/**
 * A string enum: the name in the API and JSON, a small stable integer code on the wire. Codes are part of
 * the wire contract; add new names with new codes, never renumber.
 */
export function enumOf<const T extends string>(codes: Readonly<Record<T, number>>): Schema<T> {
  const byName = new Map<string, number>(Object.entries(codes) as [string, number][])
  const byCode = new Map<number, T>()
  for (const [name, code] of byName) byCode.set(code, name as T)
  const names = [...byName.keys()].join(', ')
  const checkName = (v: unknown): T => {
    if (typeof v !== 'string' || !byName.has(v)) fail(`expected one of ${names}`)
    return v as T
  }
  return {
    desc: { kind: 'enum', codes },
    toWire: (v) => byName.get(checkName(v)),
    fromWire: (w) => {
      const name = typeof w === 'number' ? byCode.get(w) : undefined
      if (name === undefined) fail(`expected the code of one of ${names}`)
      return name
    },
    toJson: checkName,
    fromJson: checkName,
  }
}

/** Bounds and ordering of an {@link array} schema. */
export interface ArrayOptions {
  /** Fewest elements. @default 0 */
  min?: number
  /** Most elements: every array on the wire is bounded. */
  max: number
  /** `unique`: no two equal elements; `ascending`: strictly increasing numbers. @default 'any' */
  order?: ArrayOrder
}

/** An array of `of`, bounded in length: a JS array in the API and JSON, a msgpack array on the wire. */
export function array<T>(of: Schema<T>, options: ArrayOptions): Schema<T[]> {
  const min = options.min ?? 0
  const max = options.max
  const order = options.order ?? 'any'
  const checkLength = (v: unknown): unknown[] => {
    if (!Array.isArray(v)) fail('expected an array')
    if (v.length < min || v.length > max) fail(`expected ${min} to ${max} elements, got ${v.length}`)
    return v
  }
  const checkOrder = (out: unknown[]): void => {
    if (order === 'unique') {
      if (new Set(out).size !== out.length) fail('expected unique elements')
    } else if (order === 'ascending') {
      for (let i = 1; i < out.length; i++) {
        if ((out[i] as number) <= (out[i - 1] as number)) failAt(i, 'expected strictly ascending elements')
      }
    }
  }
  const map = (v: unknown, convert: (x: unknown) => unknown): unknown[] => {
    const input = checkLength(v)
    const n = input.length
    const out = new Array<unknown>(n)
    for (let i = 0; i < n; i++) {
      try {
        out[i] = convert(input[i])
      } catch (err) {
        throw within(err, i)
      }
    }
    return out
  }
  return {
    desc: { kind: 'array', of, min, max, order },
    toWire: (v) => {
      const out = map(v, of.toWire)
      if (order !== 'any') checkOrder(v as unknown[])
      return out
    },
    fromWire: (w) => {
      const out = map(w, of.fromWire)
      if (order !== 'any') checkOrder(out)
      return out as T[]
    },
    toJson: (v) => {
      const out = map(v, of.toJson)
      if (order !== 'any') checkOrder(v as unknown[])
      return out
    },
    fromJson: (j) => {
      const out = map(j, of.fromJson)
      if (order !== 'any') checkOrder(out)
      return out as T[]
    },
  }
}

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
          if (!f.optional) failAt(f.name, 'missing required field')
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
      if (!Array.isArray(w) || w.length !== n) fail(`expected an array of ${n} fields`)
      const out: Record<string, unknown> = {}
      for (let i = 0; i < n; i++) {
        const f = list[i] as FieldDesc
        const x = w[i]
        if (x === null) {
          if (!f.optional) failAt(f.name, 'missing required field')
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
          if (!f.optional) failAt(f.name, 'missing required field')
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
          if (!f.optional) failAt(f.name, 'missing required field')
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
