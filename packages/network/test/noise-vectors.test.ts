import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { HandshakeState, protocolName, XX, x25519KeyPairFromPrivateKey } from '../src/noise/index'

interface Vector {
  protocol_name: string
  init_prologue: string
  init_static: string
  init_ephemeral: string
  resp_prologue: string
  resp_static: string
  resp_ephemeral: string
  handshake_hash: string
  messages: { payload: string; ciphertext: string }[]
}

const file = JSON.parse(
  readFileSync(
    new URL('../../../../shared/vectors/noise/Noise_XX_25519_ChaChaPoly_SHA256.json', import.meta.url),
    'utf8',
  ),
) as { vectors: Vector[] }

const hex = (s: string): Buffer => Buffer.from(s, 'hex')

describe('Noise_XX_25519_ChaChaPoly_SHA256 vectors', () => {
  it('has vectors for this suite only', () => {
    expect(file.vectors.length).toBeGreaterThan(0)
    for (const v of file.vectors) expect(v.protocol_name).toBe(protocolName(XX))
  })

  file.vectors.forEach((v, n) => {
    it(`reproduces vector ${n} byte for byte`, () => {
      const initiator = new HandshakeState({
        initiator: true,
        prologue: hex(v.init_prologue),
        staticKey: x25519KeyPairFromPrivateKey(hex(v.init_static)),
        ephemeralKey: x25519KeyPairFromPrivateKey(hex(v.init_ephemeral)),
      })
      const responder = new HandshakeState({
        initiator: false,
        prologue: hex(v.resp_prologue),
        staticKey: x25519KeyPairFromPrivateKey(hex(v.resp_static)),
        ephemeralKey: x25519KeyPairFromPrivateKey(hex(v.resp_ephemeral)),
      })
      const handshakeLength = XX.messages.length
      expect(v.messages.length).toBeGreaterThan(handshakeLength)
      v.messages.forEach((m, i) => {
        // Messages alternate, the initiator first, in the handshake and then in the transport phase.
        const initiatorSends = i % 2 === 0
        const [sender, receiver] = initiatorSends ? [initiator, responder] : [responder, initiator]
        let ciphertext: Buffer
        let plaintext: Buffer
        if (i < handshakeLength) {
          ciphertext = sender.writeMessage(hex(m.payload))
          expect(ciphertext.toString('hex'), `handshake message ${i}`).toBe(m.ciphertext)
          plaintext = receiver.readMessage(ciphertext)
          if (i === handshakeLength - 1) {
            expect(initiator.isComplete && responder.isComplete).toBe(true)
            expect(initiator.handshakeHash.toString('hex')).toBe(v.handshake_hash)
            expect(responder.handshakeHash.toString('hex')).toBe(v.handshake_hash)
          }
        } else {
          ciphertext = sender.transportCiphers().send.encryptWithAd(Buffer.alloc(0), hex(m.payload))
          expect(ciphertext.toString('hex'), `transport message ${i}`).toBe(m.ciphertext)
          plaintext = receiver.transportCiphers().receive.decryptWithAd(Buffer.alloc(0), ciphertext)
        }
        expect(plaintext.toString('hex')).toBe(m.payload)
      })
      expect(initiator.remoteStaticKey?.toString('hex')).toBe(
        x25519KeyPairFromPrivateKey(hex(v.resp_static)).publicKey.toString('hex'),
      )
    })
  })
})
