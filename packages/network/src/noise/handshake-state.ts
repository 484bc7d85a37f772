import type { CipherState } from './cipher-state'
import { MAX_NOISE_MESSAGE, TAG_LENGTH } from './cipher-state'
import { NoiseError } from './errors'
import { SymmetricState } from './symmetric-state'
import type { TransportAead } from './transport-aead'
import { DH_LENGTH, generateX25519KeyPair, type X25519KeyPair, x25519 } from './x25519'

/** A message token of a Noise handshake pattern. */
export type HandshakeToken = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss'

/** A Noise handshake pattern (section 7): pre-messages and the token lists of each message. */
export interface HandshakePattern {
  /** The pattern's name in the protocol name, such as `XX`. */
  readonly name: string
  /** Keys the responder knows of the initiator before the handshake. */
  readonly initiatorPreMessage: readonly ('e' | 's')[]
  /** Keys the initiator knows of the responder before the handshake. */
  readonly responderPreMessage: readonly ('e' | 's')[]
  /** Message token lists; even indexes are written by the initiator. */
  readonly messages: readonly (readonly HandshakeToken[])[]
}

/** The XX pattern: mutual authentication, static keys transmitted encrypted. */
export const XX: HandshakePattern = {
  name: 'XX',
  initiatorPreMessage: [],
  responderPreMessage: [],
  messages: [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']],
}

/** The protocol name of a pattern in chainwire's only suite, 25519 / ChaChaPoly / SHA256. */
export function protocolName(pattern: HandshakePattern): string {
  return `Noise_${pattern.name}_25519_ChaChaPoly_SHA256`
}

/** Options of {@link HandshakeState}. */
export interface HandshakeStateOptions {
  /** true for the party that writes the first message. */
  initiator: boolean
  /** The handshake pattern. @default XX */
  pattern?: HandshakePattern
  /** Bytes both parties must agree on, mixed into `h` before any message. @default empty */
  prologue?: Uint8Array
  /** Our static key pair `s`, required by patterns that send or use it. */
  staticKey?: X25519KeyPair
  /** Our ephemeral key pair `e`; injected by tests, otherwise generated when the pattern sends `e`. */
  ephemeralKey?: X25519KeyPair
  /** The remote static public key `rs`, for patterns with a responder/initiator `s` pre-message. */
  remoteStaticKey?: Uint8Array
  /** The remote ephemeral public key `re`, for patterns with an `e` pre-message. */
  remoteEphemeralKey?: Uint8Array
  /** The AEAD of the transport cipher states (the handshake always uses ChaChaPoly). @default CHACHA20_POLY1305 */
  transportAead?: TransportAead
}

/** The two transport cipher states of a finished handshake, oriented for one party. */
export interface TransportCiphers {
  /** Encrypts what we send. */
  readonly send: CipherState
  /** Decrypts what we receive. */
  readonly receive: CipherState
}

/**
 * The Noise HandshakeState (section 5.3) for the 25519 / ChaChaPoly / SHA256 suite: processes the message
 * patterns token by token, then splits into {@link TransportCiphers}. Any failure leaves the state unusable;
 * callers drop it.
 */
export class HandshakeState {
  private readonly symmetric: SymmetricState
  private readonly transportAead: TransportAead | undefined
  private readonly initiator: boolean
  private readonly pattern: HandshakePattern
  private readonly s: X25519KeyPair | undefined
  private e: X25519KeyPair | undefined
  private rs: Buffer | undefined
  private re: Buffer | undefined
  private index = 0
  private ciphers: TransportCiphers | undefined

  constructor(options: HandshakeStateOptions) {
    this.initiator = options.initiator
    this.pattern = options.pattern ?? XX
    this.transportAead = options.transportAead
    this.symmetric = new SymmetricState(protocolName(this.pattern))
    this.symmetric.mixHash(options.prologue ?? Buffer.alloc(0))
    this.s = options.staticKey
    this.e = options.ephemeralKey
    this.rs = options.remoteStaticKey === undefined ? undefined : Buffer.from(options.remoteStaticKey)
    this.re = options.remoteEphemeralKey === undefined ? undefined : Buffer.from(options.remoteEphemeralKey)
    this.mixPreMessage(this.pattern.initiatorPreMessage, this.initiator)
    this.mixPreMessage(this.pattern.responderPreMessage, !this.initiator)
  }

  /** True once every message of the pattern was written or read. */
  get isComplete(): boolean {
    return this.ciphers !== undefined
  }

  /** True when the next message is ours to write. */
  get isMyTurn(): boolean {
    return !this.isComplete && this.index % 2 === (this.initiator ? 0 : 1)
  }

  /** The handshake hash `h`: a unique channel binding once complete. */
  get handshakeHash(): Buffer {
    return this.symmetric.getHandshakeHash()
  }

  /** The remote static public key `rs`, once received (or given). */
  get remoteStaticKey(): Buffer | undefined {
    return this.rs
  }

  /** The transport cipher states; throws `ERR_NOISE_HANDSHAKE` before the handshake is complete. */
  transportCiphers(): TransportCiphers {
    if (this.ciphers === undefined) throw new NoiseError('ERR_NOISE_HANDSHAKE', 'handshake not complete')
    return this.ciphers
  }

  /** WriteMessage(payload): the next handshake message, carrying `payload` (encrypted once a key exists). */
  writeMessage(payload: Uint8Array): Buffer {
    const tokens = this.nextTokens(true)
    const out: Buffer[] = []
    for (const token of tokens) {
      switch (token) {
        case 'e': {
          if (this.e === undefined) this.e = generateX25519KeyPair()
          out.push(this.e.publicKey)
          this.symmetric.mixHash(this.e.publicKey)
          break
        }
        case 's':
          out.push(this.symmetric.encryptAndHash(this.requireKey(this.s, 's').publicKey))
          break
        default:
          this.mixDh(token)
      }
    }
    out.push(this.symmetric.encryptAndHash(payload))
    const message = Buffer.concat(out)
    if (message.length > MAX_NOISE_MESSAGE) {
      throw new NoiseError('ERR_NOISE_HANDSHAKE', 'handshake message over 65535 bytes', {
        length: message.length,
      })
    }
    this.advance()
    return message
  }

  /**
   * ReadMessage(message): processes the next handshake message and returns its payload. Throws
   * `ERR_NOISE_HANDSHAKE` for a malformed message and `ERR_NOISE_DECRYPT` when authentication fails.
   */
  readMessage(message: Uint8Array): Buffer {
    const tokens = this.nextTokens(false)
    if (message.length > MAX_NOISE_MESSAGE) {
      throw new NoiseError('ERR_NOISE_HANDSHAKE', 'handshake message over 65535 bytes', {
        length: message.length,
      })
    }
    let offset = 0
    const take = (length: number, what: string): Uint8Array => {
      if (message.length - offset < length) {
        throw new NoiseError('ERR_NOISE_HANDSHAKE', `handshake message too short for ${what}`, {
          length: message.length,
          message: this.index,
        })
      }
      const bytes = message.subarray(offset, offset + length)
      offset += length
      return bytes
    }
    for (const token of tokens) {
      switch (token) {
        case 'e': {
          if (this.re !== undefined)
            throw new NoiseError('ERR_NOISE_HANDSHAKE', 'remote ephemeral key sent twice')
          this.re = Buffer.from(take(DH_LENGTH, 'e'))
          this.symmetric.mixHash(this.re)
          break
        }
        case 's': {
          if (this.rs !== undefined)
            throw new NoiseError('ERR_NOISE_HANDSHAKE', 'remote static key sent twice')
          const length = DH_LENGTH + (this.symmetric.hasKey() ? TAG_LENGTH : 0)
          this.rs = this.symmetric.decryptAndHash(take(length, 's'))
          break
        }
        default:
          this.mixDh(token)
      }
    }
    const payload = this.symmetric.decryptAndHash(message.subarray(offset))
    this.advance()
    return payload
  }

  private nextTokens(writing: boolean): readonly HandshakeToken[] {
    if (this.isComplete) throw new NoiseError('ERR_NOISE_HANDSHAKE', 'handshake already complete')
    if (this.isMyTurn !== writing) {
      throw new NoiseError(
        'ERR_NOISE_HANDSHAKE',
        writing ? 'not our turn to write' : 'not our turn to read',
        {
          message: this.index,
        },
      )
    }
    return this.pattern.messages[this.index] as readonly HandshakeToken[]
  }

  private advance(): void {
    this.index++
    if (this.index < this.pattern.messages.length) return
    const [c1, c2] = this.symmetric.split(this.transportAead)
    this.ciphers = this.initiator ? { send: c1, receive: c2 } : { send: c2, receive: c1 }
  }

  private mixDh(token: 'ee' | 'es' | 'se' | 'ss'): void {
    // In `xy`, x is the initiator's key and y the responder's; each side uses its own private half.
    const mine = (k: 'e' | 's'): X25519KeyPair => this.requireKey(k === 'e' ? this.e : this.s, k)
    const theirs = (k: 'e' | 's'): Buffer => this.requireKey(k === 'e' ? this.re : this.rs, `remote ${k}`)
    const first = token[0] as 'e' | 's'
    const second = token[1] as 'e' | 's'
    const secret = this.initiator
      ? x25519(mine(first).privateKey, theirs(second))
      : x25519(mine(second).privateKey, theirs(first))
    this.symmetric.mixKey(secret)
  }

  private mixPreMessage(tokens: readonly ('e' | 's')[], ours: boolean): void {
    for (const token of tokens) {
      const key = ours
        ? this.requireKey(token === 'e' ? this.e : this.s, token).publicKey
        : this.requireKey(token === 'e' ? this.re : this.rs, `remote ${token}`)
      this.symmetric.mixHash(key)
    }
  }

  private requireKey<T>(key: T | undefined, what: string): T {
    if (key === undefined) throw new NoiseError('ERR_NOISE_HANDSHAKE', `missing key ${what}`)
    return key
  }
}
