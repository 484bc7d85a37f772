import { NatError } from '../errors'
import { decodeErrorCode, readText } from './attributes'
import {
  attribute,
  type DecodedStunMessage,
  StunAttr,
  type StunMessage,
  sameTransaction,
  verifyIntegrity,
} from './message'

/**
 * How a received message relates to a request we sent: `ignore` (not its response: another transaction, a
 * request or indication, another method, or integrity that does not verify), `error` (its error response),
 * or `success`.
 */
export function matchResponse(
  request: StunMessage,
  message: DecodedStunMessage,
  verifyKey: Uint8Array | undefined,
): 'ignore' | 'error' | 'success' {
  if (!sameTransaction(request.transactionId, message.transactionId)) return 'ignore'
  if (message.method !== request.method) return 'ignore'
  if (message.cls !== 'success' && message.cls !== 'error') return 'ignore'
  // An error response may come without integrity (a 401 before credentials are known).
  if (message.cls === 'success' && verifyKey !== undefined && !verifyIntegrity(message, verifyKey))
    return 'ignore'
  return message.cls
}

/** The `ERR_STUN_ERROR_RESPONSE` for an error response, with its code, reason, realm and nonce. */
export function decodeAttributeError(message: DecodedStunMessage): NatError {
  const value = attribute(message, StunAttr.errorCode)
  let code = 0
  let reason = 'no ERROR-CODE'
  if (value !== undefined) {
    try {
      ;({ code, reason } = decodeErrorCode(value))
    } catch {
      reason = 'malformed ERROR-CODE'
    }
  }
  const text = (type: number): string | undefined => {
    const v = attribute(message, type)
    return v === undefined ? undefined : readText(v)
  }
  return new NatError('ERR_STUN_ERROR_RESPONSE', `STUN error ${code}: ${reason}`, {
    code,
    reason,
    realm: text(StunAttr.realm),
    nonce: text(StunAttr.nonce),
  })
}
