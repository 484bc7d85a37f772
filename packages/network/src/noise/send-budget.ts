/** Default of the network option `sealBytesPerTurn`: plaintext sealed per event-loop turn, all connections together. */
export const DEFAULT_SEAL_BYTES_PER_TURN = 1024 * 1024

/** A stream waiting for the budget to be refilled. */
export interface BudgetWaiter {
  /** Called in a later turn, in the order the waiters started waiting, once the budget has room again. */
  resumeSealing(): void
}

/**
 * How much plaintext the secure streams of one node may seal in one turn of the event loop, all of them
 * together. Sealing is synchronous, and a socket on a fast link (loopback, a LAN) takes every write at once,
 * so without a budget a node forwarding a 1 MB block to 6 peers seals 6 MB in one stretch and nothing else
 * runs meanwhile. A stream that finds the budget spent stops sealing and waits; the budget is refilled in
 * the check phase of the turn it was spent in (`setImmediate`, after the I/O callbacks of that turn), and
 * the waiting streams are served in order until it is spent again, the rest waiting for the next turn. A
 * stream that spends the budget again joins the back of the line, so several busy streams share it fairly.
 */
export class SendBudget {
  readonly bytesPerTurn: number
  private left: number
  /** Streams waiting, in order; `waitingSet` dedups them. */
  private waiting: BudgetWaiter[] = []
  private readonly waitingSet = new Set<BudgetWaiter>()
  private refillScheduled = false

  constructor(bytesPerTurn: number = DEFAULT_SEAL_BYTES_PER_TURN) {
    if (!Number.isSafeInteger(bytesPerTurn) || bytesPerTurn < 1) {
      throw new RangeError(`bytesPerTurn must be a positive integer, got ${bytesPerTurn}`)
    }
    this.bytesPerTurn = bytesPerTurn
    this.left = bytesPerTurn
  }

  /** Whether sealing may go on in this turn (a stream already waiting is served first). */
  get available(): boolean {
    return this.left > 0
  }

  /** Streams waiting for a later turn. */
  get waiters(): number {
    return this.waiting.length
  }

  /** Counts `bytes` of plaintext just sealed; the budget comes back in the check phase of this turn. */
  spend(bytes: number): void {
    this.left -= bytes
    if (!this.refillScheduled) {
      this.refillScheduled = true
      setImmediate(SendBudget.refill, this)
    }
  }

  /** `waiter` wants to seal but the budget is spent: it is resumed in a later turn (once, however often it asks). */
  wait(waiter: BudgetWaiter): void {
    if (this.waitingSet.has(waiter)) return
    this.waitingSet.add(waiter)
    this.waiting.push(waiter)
    if (!this.refillScheduled) {
      this.refillScheduled = true
      setImmediate(SendBudget.refill, this)
    }
  }

  private static refill(budget: SendBudget): void {
    budget.refillScheduled = false
    budget.left = budget.bytesPerTurn
    if (budget.waiting.length === 0) return
    const line = budget.waiting
    budget.waiting = []
    let i = 0
    for (; i < line.length && budget.left > 0; i++) {
      const w = line[i] as BudgetWaiter
      budget.waitingSet.delete(w)
      try {
        w.resumeSealing()
      } catch {
        // A waiter handles its own failures (a stream destroys itself); one must not stop the others.
      }
    }
    // Those not served keep their place, ahead of any that waited again meanwhile.
    if (i < line.length) {
      const rest = line.slice(i)
      for (const w of budget.waiting) rest.push(w)
      budget.waiting = rest
      if (!budget.refillScheduled) {
        budget.refillScheduled = true
        setImmediate(SendBudget.refill, budget)
      }
    }
  }
}
