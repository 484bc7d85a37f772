import { NoiseError } from './errors'

/**
 * When each direction of a secure channel replaces its key with the Noise spec's `REKEY()` (rev 34, 11.3):
 * after `messages` transport messages or `bytes` plaintext bytes since the last rekey, whichever comes
 * first. Both ends count the same messages in the same order, so the receiver rekeys exactly where the
 * sender did and no message announces it. Both ends must therefore use the same schedule: it is bound into
 * the handshake prologue, so peers that differ fail the handshake instead of a message a gigabyte later.
 */
export interface RekeySchedule {
  /** Transport messages sealed (or opened) with one key at most. @default 1_048_576 (2^20) */
  readonly messages: number
  /** Plaintext bytes sealed (or opened) with one key at most. @default 1_073_741_824 (1 GiB) */
  readonly bytes: number
}

/** chainwire's rekey schedule: every 2^20 messages or 1 GiB, whichever comes first. */
export const DEFAULT_REKEY_SCHEDULE: Readonly<RekeySchedule> = Object.freeze({
  messages: 2 ** 20,
  bytes: 2 ** 30,
})

/** Checks a schedule (positive safe integers); throws `ERR_NOISE_HANDSHAKE` otherwise. */
export function checkRekeySchedule(schedule: RekeySchedule): RekeySchedule {
  for (const [name, value] of [
    ['messages', schedule.messages],
    ['bytes', schedule.bytes],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new NoiseError('ERR_NOISE_HANDSHAKE', `rekey ${name} must be a positive integer`, {
        [name]: String(value),
      })
    }
  }
  return schedule
}

/**
 * Counts one direction's messages against a {@link RekeySchedule}. The sender counts what it seals and the
 * receiver what it opened (after the tag verified), message by message, so both reach the rekey point at
 * the same message.
 */
export class RekeyCounter {
  private messagesLeft: number
  private bytesLeft: number
  /** Rekeys done so far. */
  rekeys = 0

  constructor(private readonly schedule: RekeySchedule) {
    this.messagesLeft = schedule.messages
    this.bytesLeft = schedule.bytes
  }

  /** Counts one message of `bytes` plaintext bytes; true when the key must be replaced before the next. */
  count(bytes: number): boolean {
    this.messagesLeft--
    this.bytesLeft -= bytes
    if (this.messagesLeft > 0 && this.bytesLeft > 0) return false
    this.messagesLeft = this.schedule.messages
    this.bytesLeft = this.schedule.bytes
    this.rekeys++
    return true
  }
}
