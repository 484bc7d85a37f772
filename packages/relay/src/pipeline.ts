import type { PeerId, TimerHandle } from '@chainwire/interface'
import type { Message } from '@chainwire/protocol-codec'
import type { StoredMessage } from './cache/message-store'
import type { SeenEntry } from './cache/seen-cache'
import type { RelayContext, Strategy, TopicState } from './context'
import { idKey, messageIdOf } from './message/id'
import type { RelayBehaviour, RelayedMessage, TopicContent, ValidationResult } from './types'

/** A message as it arrived, before validation. */
export interface Arrival {
  readonly topic: TopicState
  readonly content: TopicContent
  /** What we relay onward (the catalog message, or the envelope with its hop count for the next hop). */
  readonly wire: Message
  /** False when the envelope is at its hop limit: delivered here, relayed no further. */
  readonly forwardable: boolean
  readonly from: PeerId
  readonly size: number
  readonly origin: PeerId | undefined
  readonly hops: number
}

/** One validation in progress: the copy being validated, and the first other copy kept in case it fails. */
interface Pending {
  readonly arrival: Arrival
  readonly id: Uint8Array
  readonly key: string
  readonly entry: SeenEntry
  alternate: Arrival | undefined
  /** The validation deadline, while an async validator runs. */
  timer: TimerHandle | undefined
}

/**
 * The receive path every strategy shares: message id, dedup against the seen-cache, validation (bounded in
 * number and time), then the verdict: deliver and relay, drop quietly, or drop and penalise. A rejected id is
 * validated again for another sender (at most `maxRevalidations` times), and while a copy is being validated
 * the first copy from another peer is kept: a forged message that shares an id with a real one (an
 * app-chosen id, such as a block hash with altered transactions) cannot censor it.
 */
export class Pipeline {
  private readonly ctx: RelayContext
  private readonly strategyOf: (topic: TopicState) => Strategy
  private readonly validating = new Map<string, Pending>()
  private running = true

  constructor(ctx: RelayContext, strategyOf: (topic: TopicState) => Strategy) {
    this.ctx = ctx
    this.strategyOf = strategyOf
  }

  /** Validations running now. */
  get pending(): number {
    return this.validating.size
  }

  /** Takes a message from a peer; the returned promise (if any) settles when its validation does. */
  receive(a: Arrival): Promise<void> | undefined {
    const ctx = this.ctx
    const t = a.topic
    let id: Uint8Array
    try {
      id = messageIdOf(t.messageId, t.name, a.content)
    } catch {
      // the app's id function refused the content: it is not a message of this topic
      this.count(t, 'rejected')
      ctx.report(a.from, 'invalid-message', `no message id on ${t.name}`)
      return undefined
    }
    const key = idKey(id)
    const entry = ctx.seen.get(key)
    if (entry !== undefined) return this.again(a, id, key, entry)
    if (a.content.message?.type === 'new_block') {
      const ts = a.content.message.data.block.header.timestamp
      if (ts < ctx.clock.now() - ctx.options.messageExpiration) {
        ctx.seen.add(key, t.name, 'ignored', a.from)
        this.count(t, 'expired')
        return undefined
      }
    }
    return this.start(a, id, key, ctx.seen.add(key, t.name, 'validating', a.from))
  }

  /** A copy of a message already seen. */
  private again(a: Arrival, id: Uint8Array, key: string, entry: SeenEntry): Promise<void> | undefined {
    const ctx = this.ctx
    const fresh = ctx.seen.addSender(entry, a.from)
    if (!fresh) ctx.report(a.from, 'duplicate-message', `${a.topic.name} ${key.slice(0, 16)} sent twice`)
    if (fresh && entry.state === 'rejected' && entry.revalidations < ctx.options.maxRevalidations) {
      entry.revalidations++
      entry.state = 'validating'
      return this.start(a, id, key, entry)
    }
    const pending = this.validating.get(key)
    if (pending !== undefined && fresh && pending.alternate === undefined) pending.alternate = a
    this.count(a.topic, 'duplicate')
    this.strategyOf(a.topic).duplicate?.(a.topic, key, a.from, entry)
    return undefined
  }

  private start(a: Arrival, id: Uint8Array, key: string, entry: SeenEntry): Promise<void> | undefined {
    const ctx = this.ctx
    if (this.validating.size >= ctx.options.maxPendingValidations) {
      // too busy: forget it, so a later copy is looked at again
      ctx.seen.delete(key)
      this.count(a.topic, 'throttled')
      return undefined
    }
    this.strategyOf(a.topic).received?.(a.topic, { key, id, size: a.size }, a.from)
    const pending: Pending = { arrival: a, id, key, entry, alternate: undefined, timer: undefined }
    this.validating.set(key, pending)
    const message = this.relayed(a, id, key)
    const validator = a.topic.validator
    let result: ValidationResult | Promise<ValidationResult>
    try {
      result = validator === undefined ? 'accept' : validator(message, a.from)
    } catch (err) {
      ctx.log.warn({ err, topic: a.topic.name }, 'validator threw')
      result = 'ignore'
    }
    if (!(result instanceof Promise)) {
      this.verdict(pending, message, result)
      return undefined
    }
    return this.awaitVerdict(pending, message, result)
  }

  private awaitVerdict(
    pending: Pending,
    message: RelayedMessage,
    result: Promise<ValidationResult>,
  ): Promise<void> {
    const ctx = this.ctx
    const timeout = new Promise<ValidationResult>((resolve) => {
      pending.timer = ctx.clock.setTimeout(() => resolve('ignore'), ctx.options.validationTimeoutMs)
    })
    return Promise.race([result, timeout]).then(
      (r) => {
        ctx.clock.clearTimeout(pending.timer)
        this.verdict(pending, message, r)
      },
      (err: unknown) => {
        ctx.clock.clearTimeout(pending.timer)
        ctx.log.warn({ err, topic: pending.arrival.topic.name }, 'validator failed')
        this.verdict(pending, message, 'ignore')
      },
    )
  }

  private verdict(pending: Pending, message: RelayedMessage, result: ValidationResult): void {
    if (this.validating.get(pending.key) === pending) this.validating.delete(pending.key)
    if (!this.running) return
    const ctx = this.ctx
    const { arrival: a, entry, key } = pending
    const t = a.topic
    if (result === 'accept') {
      entry.state = 'accepted'
      this.count(t, 'accepted')
      ctx.score.firstDelivery(a.from, t.name)
      const good = goodBehaviour(t.name)
      if (good !== undefined) ctx.report(a.from, good, `first delivery on ${t.name}`)
      if (t.name === 'blocks' || t.name === 'transactions') {
        ctx.network.markUseful(a.from, t.name === 'blocks' ? 'block' : 'transaction')
      }
      const stored: StoredMessage = {
        key,
        id: pending.id,
        topic: t.name,
        wire: a.wire,
        size: a.size,
        at: ctx.clock.now(),
        iwant: undefined,
      }
      ctx.store.put(stored)
      for (const sender of entry.senders) {
        if (sender !== a.from) ctx.score.meshDelivery(sender, t.name, entry.at)
      }
      ctx.emit('message', message)
      if (a.forwardable) {
        const n = this.strategyOf(t).forward(t, stored, entry.senders)
        t.counters.forwarded += n
        ctx.metrics.forwarded.inc(n, { topic: t.name })
      } else {
        this.count(t, 'hop_limit')
      }
      return
    }
    if (result === 'ignore') {
      entry.state = 'ignored'
      this.count(t, 'ignored')
      ctx.emit('message:ignored', { topic: t.name, key, from: a.from })
      return
    }
    entry.state = 'rejected'
    this.count(t, 'rejected')
    ctx.score.invalidMessage(a.from, t.name)
    ctx.report(a.from, badBehaviour(t.name), `invalid message on ${t.name}`)
    ctx.emit('message:rejected', { topic: t.name, key, from: a.from })
    ctx.checkPeer(a.from)
    const alternate = pending.alternate
    if (alternate !== undefined && entry.revalidations < ctx.options.maxRevalidations) {
      entry.revalidations++
      entry.state = 'validating'
      void this.start(alternate, pending.id, key, entry)
    }
  }

  private relayed(a: Arrival, id: Uint8Array, key: string): RelayedMessage {
    return {
      topic: a.topic.name,
      id,
      key,
      message: a.content.message,
      payload: a.content.payload,
      from: a.from,
      origin: a.origin,
      hops: a.hops,
      size: a.size,
    }
  }

  private count(t: TopicState, outcome: keyof typeof OUTCOME_FIELD): void {
    const field = OUTCOME_FIELD[outcome]
    t.counters[field]++
    this.ctx.metrics.messages.inc(1, { topic: t.name, outcome })
  }

  /** Stops delivering verdicts (validations still running finish into nothing). */
  stop(): void {
    this.running = false
    for (const p of this.validating.values()) this.ctx.clock.clearTimeout(p.timer)
    this.validating.clear()
  }

  resume(): void {
    this.running = true
  }
}

const OUTCOME_FIELD = {
  accepted: 'accepted',
  ignored: 'ignored',
  rejected: 'rejected',
  duplicate: 'duplicate',
  expired: 'expired',
  hop_limit: 'hopLimit',
  throttled: 'throttled',
} as const

function goodBehaviour(topic: string): RelayBehaviour | undefined {
  if (topic === 'blocks') return 'first-block-delivery'
  if (topic === 'transactions') return 'good-transaction'
  return undefined
}

function badBehaviour(topic: string): RelayBehaviour {
  if (topic === 'blocks') return 'bad-block'
  if (topic === 'transactions') return 'bad-transaction'
  return 'invalid-message'
}
