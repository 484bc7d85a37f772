import { type CipherState, MAX_NOISE_MESSAGE, type MessageOpener, TAG_LENGTH } from './cipher-state'
import { NoiseError } from './errors'
import type { RekeyCounter } from './rekey'

/** A ciphertext piece at least this long is decrypted as it is; shorter ones are gathered first. */
const MIN_DIRECT_PIECE = 4 * 1024
/** Most ciphertext gathered from short pieces before it is decrypted. */
const STAGE_BYTES = 16 * 1024

const PREFIX = 0
const BODY = 1
const TAG = 2

/**
 * Reads Noise transport messages (2-byte big-endian length, ciphertext, 16-byte tag) from a byte stream in
 * whatever pieces it arrives, decrypting each piece as it comes instead of holding the ciphertext until the
 * message is complete. Only authenticated plaintext ever leaves: a message's pieces are handed out once its
 * tag verified.
 *
 * Nothing pushed is kept: pieces are decrypted (node:crypto copies them) or, when short, copied into a
 * gathering buffer, so `read` accepts views of a buffer its caller reuses. What is held between calls is at
 * most one message's plaintext and 16 KiB of gathered ciphertext, however the stream is cut: a peer sending
 * one byte per packet costs a plaintext piece per 16 KiB, not one per byte.
 */
export class MessageReader {
  private readonly cipher: CipherState
  private phase = PREFIX
  /** The first prefix byte, while the second one has not arrived. */
  private high = -1
  /** Ciphertext bytes of the current message still to come. */
  private bodyLeft = 0
  private opener: MessageOpener | undefined
  /** Plaintext of the current message, not yet authenticated (none held between messages). */
  private plain: Buffer[] | undefined
  private held = 0
  /** Short ciphertext pieces gathered for one decryption. */
  private stage: Buffer | undefined
  private stageFill = 0
  private tag: Buffer | undefined
  private tagFill = 0

  /** The receive side's rekey schedule: the cipher rekeys after the message that completes it. */
  private readonly rekey: RekeyCounter | undefined

  constructor(cipher: CipherState, rekey?: RekeyCounter) {
    this.cipher = cipher
    this.rekey = rekey
  }

  /** True while part of a message (a prefix byte, ciphertext or tag bytes) has been read. */
  get inMessage(): boolean {
    return this.phase !== PREFIX || this.high >= 0
  }

  /** Bytes held for the message in progress (its plaintext so far and gathered ciphertext). */
  get bufferedBytes(): number {
    return this.held + this.stageFill
  }

  /**
   * Reads all of `bytes`, appending to `out` the plaintext of every message it completes, in order. Throws a
   * {@link NoiseError} on a length outside [16, 65535] (`ERR_NOISE_FRAME`), a tag that does not verify
   * (`ERR_NOISE_DECRYPT`) or an exhausted nonce; what `out` received before the failure is authentic.
   */
  read(bytes: Uint8Array, out: Buffer[]): void {
    const n = bytes.length
    let pos = 0
    while (pos < n) {
      if (this.phase === PREFIX) {
        let length: number
        if (this.high < 0) {
          if (n - pos < 2) {
            this.high = bytes[pos++] as number
            continue
          }
          length = ((bytes[pos] as number) << 8) | (bytes[pos + 1] as number)
          pos += 2
        } else {
          length = (this.high << 8) | (bytes[pos++] as number)
          this.high = -1
        }
        if (length < TAG_LENGTH || length > MAX_NOISE_MESSAGE) {
          throw new NoiseError('ERR_NOISE_FRAME', 'Noise frame length out of bounds', {
            length,
            min: TAG_LENGTH,
            max: MAX_NOISE_MESSAGE,
          })
        }
        this.opener = this.cipher.open()
        this.bodyLeft = length - TAG_LENGTH
        this.phase = this.bodyLeft > 0 ? BODY : TAG
      } else if (this.phase === BODY) {
        const take = Math.min(this.bodyLeft, n - pos)
        this.body(take === n ? bytes : bytes.subarray(pos, pos + take))
        pos += take
        this.bodyLeft -= take
        if (this.bodyLeft === 0) {
          this.flushStage()
          this.phase = TAG
        }
      } else {
        const take = Math.min(TAG_LENGTH - this.tagFill, n - pos)
        if (take === TAG_LENGTH) {
          this.finish(bytes.subarray(pos, pos + TAG_LENGTH), out)
        } else {
          this.tag ??= Buffer.allocUnsafe(TAG_LENGTH)
          this.tag.set(bytes.subarray(pos, pos + take), this.tagFill)
          this.tagFill += take
          if (this.tagFill === TAG_LENGTH) this.finish(this.tag, out)
        }
        pos += take
      }
    }
  }

  /** Drops the message in progress. */
  clear(): void {
    this.phase = PREFIX
    this.high = -1
    this.bodyLeft = 0
    this.opener = undefined
    this.plain = undefined
    this.held = 0
    this.stage = undefined
    this.stageFill = 0
    this.tag = undefined
    this.tagFill = 0
  }

  private body(piece: Uint8Array): void {
    if (piece.length >= MIN_DIRECT_PIECE) {
      this.flushStage()
      this.decrypt(piece)
      return
    }
    let off = 0
    while (off < piece.length) {
      if (this.stage === undefined) {
        // Sized for what is left of the message (this piece included), at most STAGE_BYTES.
        this.stage = Buffer.allocUnsafe(Math.min(STAGE_BYTES, this.bodyLeft - off))
      }
      const take = Math.min(this.stage.length - this.stageFill, piece.length - off)
      this.stage.set(
        off === 0 && take === piece.length ? piece : piece.subarray(off, off + take),
        this.stageFill,
      )
      this.stageFill += take
      off += take
      if (this.stageFill === this.stage.length) this.flushStage()
    }
  }

  private flushStage(): void {
    const stage = this.stage
    if (stage === undefined) return
    const fill = this.stageFill
    this.stage = undefined
    this.stageFill = 0
    if (fill > 0) this.decrypt(fill === stage.length ? stage : stage.subarray(0, fill))
  }

  private decrypt(ciphertext: Uint8Array): void {
    const plaintext = (this.opener as MessageOpener).update(ciphertext)
    if (plaintext.length > 0) {
      if (this.plain === undefined) this.plain = [plaintext]
      else this.plain.push(plaintext)
      this.held += plaintext.length
    }
  }

  private finish(tag: Uint8Array, out: Buffer[]): void {
    const opener = this.opener as MessageOpener
    this.opener = undefined
    this.tagFill = 0
    this.phase = PREFIX
    opener.finish(tag)
    if (this.rekey?.count(this.held) === true) this.cipher.rekey()
    const plain = this.plain
    if (plain !== undefined) {
      for (let i = 0; i < plain.length; i++) out.push(plain[i] as Buffer)
      this.plain = undefined
      this.held = 0
    }
  }
}
