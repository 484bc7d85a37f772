import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto'
import { LruMap, type OptionSpec, option } from '@chainwire/interface'
import { resolveChainOptions } from '../chain/options'

/*
 * Ed25519 on node:crypto (OpenSSL): key generation, signing, and the default signature verifier. Keys are
 * raw: a 32-byte public key (what transactions carry) and a 32-byte secret seed (RFC 8032).
 */

const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
])

function withPrefix(prefix: Uint8Array, key: Uint8Array): Buffer {
  const out = Buffer.alloc(prefix.length + key.length)
  out.set(prefix, 0)
  out.set(key, prefix.length)
  return out
}

/** An Ed25519 key pair: `publicKey` (32 bytes) and `secretKey`, the 32-byte seed. Keep `secretKey` secret. */
export interface KeyPair {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

/** A new random Ed25519 key pair (node:crypto's CSPRNG). */
export function generateKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519')
  return keyPairFromSecret(privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(16))
}

/** The key pair of a 32-byte secret seed. */
export function keyPairFromSecret(secretKey: Uint8Array): KeyPair {
  if (secretKey.length !== 32) throw new RangeError('an Ed25519 secret key is 32 bytes')
  const key = createPrivateKey({ key: withPrefix(PKCS8_PREFIX, secretKey), format: 'der', type: 'pkcs8' })
  const publicKey = createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12)
  return { publicKey: new Uint8Array(publicKey), secretKey: new Uint8Array(secretKey) }
}

/** Signs with one key; keeps the parsed key so signing many messages costs one key import. */
export interface Signer {
  readonly publicKey: Uint8Array
  sign(message: Uint8Array): Uint8Array
}

/** A {@link Signer} for a key pair. */
export function createSigner(keys: KeyPair): Signer {
  const key = createPrivateKey({
    key: withPrefix(PKCS8_PREFIX, keys.secretKey),
    format: 'der',
    type: 'pkcs8',
  })
  return {
    publicKey: keys.publicKey,
    sign: (message) => new Uint8Array(sign(null, message, key)),
  }
}

/** One signature to check. */
export interface SignatureCheck {
  publicKey: Uint8Array
  message: Uint8Array
  signature: Uint8Array
}

/**
 * Checks Ed25519 signatures; injectable so a chain can use a hardware module, a batch verifier or a fake in
 * unit tests. Returns one boolean per check, in order; a malformed key or signature is `false`, never a
 * throw.
 */
export interface SignatureVerifier {
  verify(checks: readonly SignatureCheck[]): Promise<boolean[]> | boolean[]
}

/** Options of {@link createNodeVerifier}. */
export interface NodeVerifierOptions {
  /**
   * Batches of at least this many signatures are checked in parallel on libuv's thread pool (node:crypto's
   * callback form); smaller ones synchronously, where handing off costs more than it saves.
   * @default 64
   */
  parallelThreshold?: number
  /** Parsed public keys kept, so a sender's next transaction skips the key import. @default 4096 */
  keyCacheSize?: number
}

const VERIFIER_OPTIONS: OptionSpec<Required<NodeVerifierOptions>> = {
  parallelThreshold: option.integer(64, { min: 1 }),
  keyCacheSize: option.integer(4096, { min: 0 }),
}

/** The default verifier: Ed25519 on node:crypto, batches checked in parallel on the thread pool. */
export function createNodeVerifier(options: NodeVerifierOptions = {}): SignatureVerifier {
  const { parallelThreshold: threshold, keyCacheSize } = resolveChainOptions(VERIFIER_OPTIONS, options)
  const keys = new LruMap<string, KeyObject>(keyCacheSize)
  const keyOf = (raw: Uint8Array): KeyObject | undefined => {
    if (raw.length !== 32) return undefined
    const id = Buffer.from(raw.buffer, raw.byteOffset, 32).toString('latin1')
    let key = keys.get(id)
    if (key === undefined) {
      try {
        key = createPublicKey({ key: withPrefix(SPKI_PREFIX, raw), format: 'der', type: 'spki' })
      } catch {
        return undefined
      }
      keys.set(id, key)
    }
    return key
  }
  const one = (c: SignatureCheck): boolean => {
    const key = keyOf(c.publicKey)
    if (key === undefined || c.signature.length !== 64) return false
    try {
      return verify(null, c.message, key, c.signature)
    } catch {
      return false
    }
  }
  return {
    verify(checks) {
      if (checks.length < threshold) return checks.map(one)
      return Promise.all(
        checks.map(
          (c) =>
            new Promise<boolean>((resolve) => {
              const key = keyOf(c.publicKey)
              if (key === undefined || c.signature.length !== 64) return resolve(false)
              try {
                verify(null, c.message, key, c.signature, (err, ok) => resolve(err === null && ok))
              } catch {
                resolve(false)
              }
            }),
        ),
      )
    },
  }
}
