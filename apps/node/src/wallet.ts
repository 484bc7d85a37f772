/**
 * `chainwire-node wallet`: a key in the data dir (or the devnet faucet's published key), balances and signed
 * transfers through a running node's API, so a person can make transactions on a devnet and watch them
 * propagate.
 */
import { createSigner, devnetSecret, keyPairFromSecret, signTransaction } from '@chainwire/chain'
import { transactionJson } from './api/json'
import { fromHex, toHex } from './devnet/chain-params'
import { NodeError } from './errors'

/** A wallet key: the data dir's, or the devnet faucet's. */
export function walletKey(secret: Uint8Array) {
  const keys = keyPairFromSecret(secret)
  return { publicKey: toHex(keys.publicKey), signer: createSigner(keys) }
}

/** The devnet faucet's published secret. */
export const faucetSecret = (): Uint8Array => devnetSecret('faucet')

/** Calls a node's API; non-2xx answers throw `ERR_API` with the error the node gave. */
export async function apiCall(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
) {
  let res: Response
  try {
    res = await fetch(new URL(path, base), {
      method: init.method ?? 'GET',
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    })
  } catch (err) {
    throw new NodeError('ERR_API', `cannot reach ${base}`, { base }, { cause: err })
  }
  const body = (await res.json().catch(() => undefined)) as
    | { error?: { code: string; message: string } }
    | undefined
  if (!res.ok) {
    throw new NodeError(
      'ERR_API',
      `${path}: ${res.status} ${body?.error?.code ?? ''} ${body?.error?.message ?? ''}`.trim(),
      {
        status: res.status,
        code: body?.error?.code,
      },
    )
  }
  return body as Record<string, unknown>
}

/** Signs a transfer with the next nonce the node reports and submits it; returns the node's answer. */
export async function sendTransfer(
  base: string,
  secret: Uint8Array,
  networkId: string,
  transfer: { to: string; amount: bigint; fee: bigint },
) {
  const { publicKey, signer } = walletKey(secret)
  const account = await apiCall(base, `/api/accounts/${publicKey}`)
  const tx = signTransaction(
    {
      to: fromHex(transfer.to),
      amount: transfer.amount,
      fee: transfer.fee,
      nonce: Number(account.nextNonce),
    },
    signer,
    networkId,
  )
  return apiCall(base, '/api/tx', { method: 'POST', body: { transaction: transactionJson(tx) } })
}
