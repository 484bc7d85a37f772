import type { ArrayOrder, Schema } from './schema'
import { fail, failAt, within } from './violation'

/** Bounds and ordering of an {@link array} schema. */
export interface ArrayOptions {
  /** Fewest elements. @default 0 */
  min?: number
  /** Most elements: every array on the wire is bounded. */
  max: number
  /** `unique`: no two equal elements; `ascending`: strictly increasing numbers. @default 'any' */
  order?: ArrayOrder
}

/** Why an array of `got` elements is refused where `min` to `max` are expected (shared with the decoder). */
export function lengthReason(min: number, max: number, got: number): string {
  return `expected ${min} to ${max} elements, got ${got}`
}

/** An array of `of`, bounded in length: a JS array in the API and JSON, a msgpack array on the wire. */
export function array<T>(of: Schema<T>, options: ArrayOptions): Schema<T[]> {
  const min = options.min ?? 0
  const max = options.max
  const order = options.order ?? 'any'
  const checkLength = (v: unknown): unknown[] => {
    if (!Array.isArray(v)) fail('expected an array')
    if (v.length < min || v.length > max) fail(lengthReason(min, max, v.length))
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
