import type { AnySchema, Schema, VariantDesc } from './schema'
import { fail, failAt } from './violation'

/** One variant of {@link union}: its wire code and the struct schema of its fields other than the tag. */
export interface Variant {
  readonly code: number
  readonly schema: AnySchema
}

/**
 * A tagged union of structs: `{ [tag]: name, ...fields }` in the API and JSON, `[code, ...fields]` on the
 * wire (the variant's code followed by its struct's positional fields).
 */
export function union<T extends object>(tag: string, variants: Readonly<Record<string, Variant>>): Schema<T> {
  const list: VariantDesc[] = Object.entries(variants).map(([name, v]) => ({
    name,
    code: v.code,
    schema: v.schema,
  }))
  const byName = new Map(list.map((v) => [v.name, v]))
  const byCode = new Map(list.map((v) => [v.code, v]))
  const names = list.map((v) => v.name).join(', ')
  const variantOf = (v: unknown): [VariantDesc, Record<string, unknown>] => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('expected an object')
    const obj = v as Record<string, unknown>
    const name = obj[tag]
    const variant = typeof name === 'string' ? byName.get(name) : undefined
    if (variant === undefined) failAt(tag, `expected one of ${names}`)
    return [variant, obj]
  }
  const tagged = (name: string, fields: object): T => Object.assign({ [tag]: name }, fields) as T
  return {
    desc: { kind: 'union', tag, variants: list },
    toWire: (v) => {
      const [variant, obj] = variantOf(v)
      const fields = variant.schema.toWire(obj) as unknown[]
      return [variant.code, ...fields]
    },
    fromWire: (w) => {
      if (!Array.isArray(w) || w.length === 0) fail('expected an array starting with a variant code')
      const variant = typeof w[0] === 'number' ? byCode.get(w[0]) : undefined
      if (variant === undefined) failAt(0, `expected the code of one of ${names}`)
      return tagged(variant.name, variant.schema.fromWire(w.slice(1)) as object)
    },
    toJson: (v) => {
      const [variant, obj] = variantOf(v)
      return tagged(variant.name, variant.schema.toJson(obj) as object)
    },
    fromJson: (j) => {
      const [variant, obj] = variantOf(j)
      const { [tag]: _, ...fields } = obj
      return tagged(variant.name, variant.schema.fromJson(fields) as object)
    },
  }
}
