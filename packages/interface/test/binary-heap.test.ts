import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BinaryHeap } from '../src'

interface Item {
  key: number
  seq: number
}

const before = (a: Item, b: Item): boolean => a.key < b.key || (a.key === b.key && a.seq < b.seq)
const sorted = (items: Item[]): Item[] => [...items].sort((a, b) => a.key - b.key || a.seq - b.seq)

function drain(heap: BinaryHeap<Item>): Item[] {
  const out: Item[] = []
  for (let x = heap.pop(); x !== undefined; x = heap.pop()) out.push(x)
  return out
}

describe('BinaryHeap', () => {
  it('pops in (key, sequence) order, whatever the order of pushes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 300 }), (keys) => {
        const items = keys.map((key, seq) => ({ key, seq }))
        const heap = new BinaryHeap(before)
        for (const it of items) heap.push(it)
        expect(heap.size).toBe(items.length)
        expect(heap.peek()).toEqual(sorted(items)[0])
        expect(drain(heap)).toEqual(sorted(items))
        expect(heap.size).toBe(0)
      }),
    )
  })

  it('keeps its order through interleaved pushes and pops, and after retain (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constant(-1)), { maxLength: 300 }),
        fc.integer({ min: 2, max: 5 }),
        (ops, modulus) => {
          const heap = new BinaryHeap(before)
          const model: Item[] = []
          let seq = 0
          for (const op of ops) {
            if (op === -1) {
              const expected = sorted(model)[0]
              expect(heap.pop()).toEqual(expected)
              if (expected !== undefined) model.splice(model.indexOf(expected), 1)
            } else {
              const item = { key: op, seq: seq++ }
              heap.push(item)
              model.push(item)
            }
          }
          const keep = (x: Item): boolean => x.seq % modulus !== 0
          heap.retain(keep)
          expect(drain(heap)).toEqual(sorted(model.filter(keep)))
        },
      ),
    )
  })

  it('is empty after clear', () => {
    const heap = new BinaryHeap(before)
    heap.push({ key: 1, seq: 0 })
    heap.clear()
    expect(heap.size).toBe(0)
    expect(heap.pop()).toBeUndefined()
  })
})
