import type { Schema } from './schema'
import { fail } from './violation'

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
