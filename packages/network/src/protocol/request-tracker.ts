import { AbortError, type Clock, type Deadline, deadline, TimeoutError } from '@chainwire/interface'
import type { ErrorData, Message, MessageType } from '@chainwire/protocol-codec'
import { RequestError } from '../errors'

/** What became of a response-kind message handed to {@link RequestTracker.settle}. */
export type SettleOutcome =
  /** It answered an outstanding request. */
  | 'matched'
  /** It answers a request that already timed out or was cancelled: ignored and counted. */
  | 'late'
  /** It answers nothing we asked: ignored, counted and reported. */
  | 'unknown'
  /** Its id is outstanding but its type is neither the expected response nor `error`. */
  | 'mismatched'

interface Pending {
  readonly id: number
  readonly type: MessageType
  readonly expected: MessageType
  readonly sentAt: number
  readonly internal: boolean
  readonly timer: Deadline
  readonly resolve: (msg: Message) => void
  readonly reject: (err: Error) => void
}

/** Options of {@link RequestTracker}. */
export interface RequestTrackerOptions {
  /** Requests outstanding at most (internal keep-alive pings are not counted). */
  maxInflight: number
  /** Ids of expired requests remembered, to tell late responses from unknown ones. */
  recentLimit: number
  /** Called when a request times out (before it rejects). */
  onTimeout: (type: MessageType) => void
}

/**
 * One connection's outstanding requests: allocates u32 request ids, matches responses by id, enforces the
 * in-flight limit and each request's deadline (on the injected clock). Responses to requests that already
 * expired are recognised as late for a while (a bounded ring of ids), so they are not mistaken for
 * unsolicited ones.
 */
export class RequestTracker {
  private readonly clock: Clock
  private readonly options: RequestTrackerOptions
  private readonly pending = new Map<number, Pending>()
  private readonly recent: number[] = []
  private readonly recentSet = new Set<number>()
  private nextId = 1
  private counted = 0
  private closedWith: Error | undefined

  constructor(clock: Clock, options: RequestTrackerOptions) {
    this.clock = clock
    this.options = options
  }

  /** Requests outstanding, internal ones included. */
  get size(): number {
    return this.pending.size
  }

  /** Requests outstanding that count against `maxInflight`. */
  get inflight(): number {
    return this.counted
  }

  /**
   * Registers a request of `type` expecting `expected` and returns its id, the promise of its response and
   * the signal of its deadline (for waiting to send it). Throws `ERR_TOO_MANY_REQUESTS` when `maxInflight`
   * requests are outstanding.
   */
  begin(
    type: MessageType,
    expected: MessageType,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    internal: boolean,
  ): { id: number; response: Promise<Message>; signal: AbortSignal } {
    if (this.closedWith !== undefined) throw this.closedWith
    if (!internal && this.counted >= this.options.maxInflight) {
      throw new RequestError('ERR_TOO_MANY_REQUESTS', `${this.counted} requests already outstanding`, {
        inflight: this.counted,
        maxInflight: this.options.maxInflight,
      })
    }
    const id = this.allocateId()
    const timer = deadline(this.clock, timeoutMs, signal, `${type} request`)
    let resolve!: (msg: Message) => void
    let reject!: (err: Error) => void
    const response = new Promise<Message>((res, rej) => {
      resolve = res
      reject = rej
    })
    const entry: Pending = {
      id,
      type,
      expected,
      sentAt: this.clock.now(),
      internal,
      timer,
      resolve,
      reject,
    }
    this.pending.set(id, entry)
    if (!internal) this.counted++
    const onAbort = (): void => {
      if (this.pending.get(id) !== entry) return
      this.finish(entry)
      this.remember(id)
      const reason: unknown = timer.signal.reason
      if (TimeoutError.isInstance(reason) && signal?.aborted !== true) {
        this.options.onTimeout(type)
        reject(
          new RequestError('ERR_REQUEST_TIMEOUT', `${type} got no response within ${timeoutMs} ms`, {
            type,
            timeoutMs,
          }),
        )
      } else {
        reject(new AbortError(`${type} request aborted`, { cause: signal?.reason ?? reason }))
      }
    }
    if (timer.signal.aborted) onAbort()
    else timer.signal.addEventListener('abort', onAbort, { once: true })
    return { id, response, signal: timer.signal }
  }

  /** Withdraws a request whose send failed, rejecting it with `err`. */
  cancel(id: number, err: Error): void {
    const entry = this.pending.get(id)
    if (entry === undefined) return
    this.finish(entry)
    entry.reject(err)
  }

  /** Clock time a request was sent, if it is outstanding. */
  sentAt(id: number): number | undefined {
    return this.pending.get(id)?.sentAt
  }

  /** Matches a response-kind message (or `error`) to its request. */
  settle(msg: Message): SettleOutcome {
    const id = msg.id
    if (id === undefined) return 'unknown'
    const entry = this.pending.get(id)
    if (entry === undefined) return this.forget(id) ? 'late' : 'unknown'
    if (msg.type === 'error') {
      this.finish(entry)
      const data = msg.data as ErrorData
      entry.reject(
        new RequestError('ERR_REQUEST_FAILED', `${entry.type} failed: ${data.code}`, {
          type: entry.type,
          code: data.code,
          message: data.message,
        }),
      )
      return 'matched'
    }
    if (msg.type !== entry.expected) {
      this.finish(entry)
      entry.reject(
        new RequestError('ERR_BAD_RESPONSE', `${entry.type} was answered with ${msg.type}`, {
          type: entry.type,
          expected: entry.expected,
          actual: msg.type,
        }),
      )
      return 'mismatched'
    }
    this.finish(entry)
    entry.resolve(msg)
    return 'matched'
  }

  /**
   * Fails the outstanding request `id` at once with `ERR_INVALID_RESPONSE` (its cause: why the response was
   * refused, such as the `CodecError` of a response that did not decode) and returns `failed`; for an id
   * that is not outstanding returns `late` (it expired recently; the id is consumed) or `unknown`.
   */
  fail(id: number, cause: Error): 'failed' | 'late' | 'unknown' {
    const entry = this.pending.get(id)
    if (entry === undefined) return this.forget(id) ? 'late' : 'unknown'
    this.finish(entry)
    this.remember(id)
    entry.reject(
      new RequestError(
        'ERR_INVALID_RESPONSE',
        `${entry.type} was answered with an invalid ${entry.expected}`,
        { type: entry.type, expected: entry.expected },
        { cause },
      ),
    )
    return 'failed'
  }

  /** Rejects every outstanding request with `err`; later `begin` calls throw it. */
  close(err: Error): void {
    this.closedWith ??= err
    for (const entry of [...this.pending.values()]) {
      this.finish(entry)
      entry.reject(err)
    }
    this.recent.length = 0
    this.recentSet.clear()
  }

  private finish(entry: Pending): void {
    this.pending.delete(entry.id)
    if (!entry.internal) this.counted--
    entry.timer.clear()
  }

  /**
   * Consumes an expired id: true the first time an answer to it arrives (late), false afterwards (a second
   * answer to one request is unrequested, so a peer cannot resend late responses on the late allowance).
   */
  private forget(id: number): boolean {
    return this.recentSet.delete(id)
  }

  private remember(id: number): void {
    this.recent.push(id)
    this.recentSet.add(id)
    while (this.recent.length > this.options.recentLimit) this.recentSet.delete(this.recent.shift() as number)
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId
      this.nextId = this.nextId >= 0xffff_ffff ? 1 : this.nextId + 1
      if (!this.pending.has(id) && !this.recentSet.has(id)) return id
    }
  }
}
