/** Default of the network option `sealBytesPerTurn`: plaintext sealed per event-loop turn, all connections together. */
export const DEFAULT_SEAL_BYTES_PER_TURN = 1024 * 1024

/**
 * How many times the budget a stream may seal in a turn while it is the only one sealing (no other stream
 * sealed in that turn and none waits): yielding every `bytesPerTurn` costs a lone bulk sender CPU per byte,
 * and a lone stream delays no other connection.
 */
export const SOLO_TURNS = 4

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
 * A stream sealing alone in a turn (nobody else sealed in it and nobody waits) may go on to
 * {@link SOLO_TURNS} times the budget before it waits.
 */
export class SendBudget {
  readonly bytesPerTurn: number
  private left: number
  /** Streams waiting, in order; `waitingSet` dedups them. */
  private waiting: BudgetWaiter[] = []
  private readonly waitingSet = new Set<BudgetWaiter>()
  private refillScheduled = false
  /** The one stream that has sealed in this turn, while only one has. */
  private solo: BudgetWaiter | undefined
  /** Whether more than one stream has sealed in this turn. */
  private shared = false

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

  /**
   * Whether `stream` may seal on in this turn: while the budget lasts, or beyond it (up to {@link SOLO_TURNS}
   * times the budget) when it is the only stream that sealed in this turn and none waits.
   */
  availableTo(stream: BudgetWaiter): boolean {
    if (this.left > 0) return true
    return (
      !this.shared &&
      this.solo === stream &&
      this.waiting.length === 0 &&
      this.left > this.bytesPerTurn * (1 - SOLO_TURNS)
    )
  }

  /** Streams waiting for a later turn. */
  get waiters(): number {
    return this.waiting.length
  }

  /**
   * Counts `bytes` of plaintext just sealed (by `stream`, when given); the budget comes back in the check
   * phase of this turn.
   */
  spend(bytes: number, stream?: BudgetWaiter): void {
    this.left -= bytes
    if (stream === undefined || this.shared) {
      this.shared = true
    } else if (this.solo === undefined) {
      this.solo = stream
    } else if (this.solo !== stream) {
      this.shared = true
    }
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
    budget.solo = undefined
    budget.shared = false
    // Served from the head of the line, which stays in `waiting` meanwhile: a stream resumed while others
    // wait is not sealing alone. Only those in line now are served; one that waits again goes to the back.
    const line = budget.waiting
    let served = 0
    for (const inLine = line.length; served < inLine && line.length > 0 && budget.left > 0; served++) {
      const w = line.shift() as BudgetWaiter
      budget.waitingSet.delete(w)
      try {
        w.resumeSealing()
      } catch {
        // A waiter handles its own failures (a stream destroys itself); one must not stop the others.
      }
    }
    if (line.length > 0 && !budget.refillScheduled) {
      budget.refillScheduled = true
      setImmediate(SendBudget.refill, budget)
    }
  }
}
