import type { Clock } from '@chainwire/interface'
import type { Block, BlockHeader, ConsensusVoteData, Transaction } from '@chainwire/protocol-codec'
import { checkBlockBody } from './block/checks'
import type { SignatureVerifier } from './crypto/ed25519'
import { ChainError, type ChainErrorCode, type CheckedKind, fail, isPenalty } from './errors'
import { voteSigningMessage } from './finality/votes'
import { checkHeader } from './header/checks'
import { headerHash } from './header/header'
import type { Network } from './network/network'
import { checkTransaction } from './tx/checks'
import { transactionSigningMessage } from './tx/tx'

/**
 * What a relay does with a message after the cheap checks (the verdict of relay's `MessageValidator`):
 * forward it, drop it quietly (an honest peer can send it), or drop it and penalise the peer.
 */
export type RelayVerdict = { result: 'accept' } | { result: 'ignore' | 'reject'; code: ChainErrorCode }

/** Context-free checks for relay: no state, no block tree, cheap enough to run before forwarding. */
export interface RelayChecks {
  /** Shape, version, bits within the pow limit, proof of work, not beyond the future limit. */
  header(header: BlockHeader): RelayVerdict
  /** The header's checks, then the body against the header (merkle, mutation, sizes, coinbase) and signatures. */
  block(block: Block): Promise<RelayVerdict>
  /** Shape and signature. */
  transaction(tx: Transaction): Promise<RelayVerdict>
  /** A precommit or prevote of a validator of the network, with a valid signature. */
  vote(vote: ConsensusVoteData): Promise<RelayVerdict>
}

const ACCEPT: RelayVerdict = { result: 'accept' }

function verdict(err: unknown, kind: CheckedKind): RelayVerdict {
  if (!ChainError.isInstance(err)) throw err
  return { result: isPenalty(err.code, kind) ? 'reject' : 'ignore', code: err.code }
}

/**
 * The checks relay's validators run for `network` before forwarding headers, blocks, transactions and
 * votes. A full node runs the contextual checks afterwards (`FullChain.accept*`); these only keep garbage
 * from being forwarded and identify who sent it.
 */
export function createRelayChecks(
  components: { clock: Clock; verifier: SignatureVerifier },
  network: Network,
): RelayChecks {
  const { clock, verifier } = components
  const validators = new Set((network.validators?.validators ?? []).map((v) => v.publicKey.join(',')))
  const headerOnly = (header: BlockHeader): void => {
    let hash: Uint8Array
    try {
      hash = headerHash(header)
    } catch {
      fail('ERR_BAD_BITS', 'malformed header fields')
    }
    checkHeader(header, network, hash)
    if (header.timestamp > clock.now() + network.maxFutureBlockTimeMs)
      fail('ERR_TIME_TOO_NEW', 'header too far in the future')
  }
  const signaturesOk = async (
    checks: { publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }[],
  ) => (await verifier.verify(checks)).every((ok) => ok === true)
  return {
    header(header) {
      try {
        headerOnly(header)
        return ACCEPT
      } catch (err) {
        return verdict(err, 'header')
      }
    },
    async block(block) {
      try {
        if (typeof block !== 'object' || block === null) fail('ERR_BAD_TX', 'not a block')
        headerOnly(block.header)
        checkBlockBody(block, network)
        const txs = block.transactions.slice(1)
        const checks = txs.map((tx) => ({
          publicKey: tx.from,
          message: transactionSigningMessage(tx, network.id),
          signature: tx.signature,
        }))
        if (!(await signaturesOk(checks))) fail('ERR_BAD_SIGNATURE', 'bad transaction signature')
        return ACCEPT
      } catch (err) {
        return verdict(err, 'block')
      }
    },
    async transaction(tx) {
      try {
        checkTransaction(tx)
        const message = transactionSigningMessage(tx, network.id)
        if (!(await signaturesOk([{ publicKey: tx.from, message, signature: tx.signature }]))) {
          fail('ERR_BAD_SIGNATURE', 'bad transaction signature')
        }
        return ACCEPT
      } catch (err) {
        return verdict(err, 'transaction')
      }
    },
    async vote(vote) {
      try {
        if (typeof vote !== 'object' || vote === null || !(vote.validator instanceof Uint8Array))
          fail('ERR_BAD_VOTE', 'malformed vote')
        if (!validators.has(vote.validator.join(',')))
          fail('ERR_UNKNOWN_VALIDATOR', 'not a validator of this network')
        const message = voteSigningMessage(vote, network.id)
        if (!(await signaturesOk([{ publicKey: vote.validator, message, signature: vote.signature }]))) {
          fail('ERR_BAD_VOTE', 'bad vote signature')
        }
        return ACCEPT
      } catch (err) {
        return verdict(err, 'vote')
      }
    },
  }
}
