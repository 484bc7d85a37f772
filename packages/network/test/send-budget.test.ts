import { describe, expect, it } from 'vitest'
import { type BudgetWaiter, SendBudget, SOLO_TURNS } from '../src/noise/index'

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function waiter(name: string, log: string[], onResume: () => void = () => {}): BudgetWaiter {
  return {
    resumeSealing() {
      log.push(name)
      onResume()
    },
  }
}

describe('SendBudget', () => {
  it('is spent within a turn and comes back in the check phase of that turn', async () => {
    const budget = new SendBudget(1_000)
    expect(budget.available).toBe(true)
    budget.spend(600)
    expect(budget.available).toBe(true)
    budget.spend(600)
    expect(budget.available).toBe(false)
    await nextTurn()
    expect(budget.available).toBe(true)
    budget.spend(999)
    expect(budget.available).toBe(true)
  })

  it('resumes waiters once each, in order, as long as the budget lasts; the rest keep their place', async () => {
    const budget = new SendBudget(100)
    const log: string[] = []
    const a = waiter('a', log, () => budget.spend(60))
    const b = waiter('b', log, () => budget.spend(60))
    const c = waiter('c', log, () => budget.spend(60))
    budget.spend(100)
    budget.wait(a)
    budget.wait(b)
    budget.wait(a) // waiting already: no second place in line
    budget.wait(c)
    expect(budget.waiters).toBe(3)
    await nextTurn()
    // a and b spent 120 of 100: c waits for the next turn, still first in line
    expect(log).toEqual(['a', 'b'])
    budget.wait(a)
    expect(budget.waiters).toBe(2)
    await nextTurn()
    expect(log).toEqual(['a', 'b', 'c', 'a'])
    expect(budget.waiters).toBe(0)
  })

  it('shares the budget fairly between streams that always want more', async () => {
    const budget = new SendBudget(100)
    const log: string[] = []
    const make = (name: string): BudgetWaiter => {
      const w: BudgetWaiter = {
        resumeSealing() {
          log.push(name)
          budget.spend(100)
          budget.wait(w)
        },
      }
      return w
    }
    budget.spend(100)
    for (const name of ['a', 'b', 'c']) budget.wait(make(name))
    for (let i = 0; i < 6; i++) await nextTurn()
    expect(log).toEqual(['a', 'b', 'c', 'a', 'b', 'c'])
  })

  it('goes on serving the others when a waiter throws', async () => {
    const budget = new SendBudget(100)
    const log: string[] = []
    budget.spend(100)
    budget.wait(
      waiter('bad', log, () => {
        throw new Error('boom')
      }),
    )
    budget.wait(waiter('good', log))
    await nextTurn()
    expect(log).toEqual(['bad', 'good'])
  })

  it('lets a stream sealing alone go on to SOLO_TURNS times the budget, and no further', async () => {
    const budget = new SendBudget(100)
    const lone = waiter('lone', [])
    let sealed = 0
    while (budget.availableTo(lone)) {
      budget.spend(50, lone)
      sealed += 50
    }
    expect(sealed).toBe(100 * SOLO_TURNS)
    expect(budget.available).toBe(false)
    await nextTurn()
    expect(budget.availableTo(lone)).toBe(true)
  })

  it('holds every stream to the budget once a second stream seals or waits in the turn', async () => {
    const budget = new SendBudget(100)
    const a = waiter('a', [])
    const b = waiter('b', [])
    budget.spend(100, a)
    expect(budget.availableTo(a)).toBe(true)
    // another stream wants to seal: it waits, and the lone stream's allowance ends with it
    expect(budget.availableTo(b)).toBe(false)
    budget.wait(b)
    expect(budget.availableTo(a)).toBe(false)
    await nextTurn()
    // a new turn: b sealed first (it was resumed), then a seals too: the turn is shared
    budget.spend(60, b)
    budget.spend(60, a)
    expect(budget.availableTo(a)).toBe(false)
    expect(budget.availableTo(b)).toBe(false)
    await nextTurn()
    // a spender that does not say who it is counts as another stream
    budget.spend(100, a)
    budget.spend(1)
    expect(budget.availableTo(a)).toBe(false)
  })

  it('refuses a budget that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new SendBudget(bad)).toThrow(RangeError)
    }
  })
})
