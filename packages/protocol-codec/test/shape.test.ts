import { describe, expect, it } from 'vitest'
import {
  type AnySchema,
  array,
  Layout,
  MAX_SHAPE_DEPTH,
  struct,
  u8,
  union,
  WireClass,
  wireShape,
} from '../src/schema'

describe('wire shapes', () => {
  it('follow the schema: classes, bounds, optional fields and union variants', () => {
    const shape = wireShape(
      union('by', {
        list: { code: 3, schema: struct({ items: array(u8, { min: 1, max: 9 }) }) },
        none: { code: 5, schema: struct({}) },
      }),
    )
    expect([shape.wire, shape.layout, shape.depth]).toEqual([WireClass.Array, Layout.Union, 2])
    const list = shape.variants.get(3)?.items[0]
    expect([list?.layout, list?.min, list?.max, list?.items[0]?.wire]).toEqual([
      Layout.List,
      1,
      9,
      WireClass.Number,
    ])
    expect(shape.variants.get(5)?.max).toBe(0)
  })

  it(`refuse a schema nested deeper than ${MAX_SHAPE_DEPTH} arrays, which the decoder's scan could not follow`, () => {
    let schema: AnySchema = u8
    for (let i = 0; i < MAX_SHAPE_DEPTH; i++) schema = array(schema, { max: 1 })
    expect(wireShape(schema).depth).toBe(MAX_SHAPE_DEPTH)
    expect(() => wireShape(array(schema, { max: 1 }))).toThrow(/nested deeper/)
  })
})
