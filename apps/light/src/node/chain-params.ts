import { createNetwork, fromHex, type Network, type NetworkParams } from '@chainwire/chain'
import { LightClientError } from '../errors'

const BIGINTS = ['genesisAmount', 'blockReward', 'minimumChainWork'] as const

function bigintOf(value: unknown, field: string): bigint {
  if (typeof value === 'bigint') return value
  if (
    (typeof value === 'string' && /^\d+$/.test(value)) ||
    (typeof value === 'number' && Number.isSafeInteger(value))
  )
    return BigInt(value)
  throw new LightClientError(
    'ERR_CONFIG',
    `chain.${field} must be an integer (a decimal string for large ones)`,
  )
}

function bytesOf(value: unknown, field: string): Uint8Array {
  if (value instanceof Uint8Array) return value
  if (typeof value === 'string' && /^([0-9a-f]{2})+$/i.test(value)) return fromHex(value.toLowerCase())
  throw new LightClientError('ERR_CONFIG', `chain.${field} must be hex`)
}

/**
 * Builds the chain network from the JSON form of `@chainwire/chain`'s `createNetwork` parameters (as a devnet
 * folder or a config file holds them): amounts as decimal strings or numbers, keys as hex. The same
 * parameters give the same genesis, so the client follows the same chain as the nodes that wrote them.
 */
export function networkFromJson(json: unknown): Network {
  if (typeof json !== 'object' || json === null || typeof (json as { id?: unknown }).id !== 'string') {
    throw new LightClientError('ERR_CONFIG', 'chain parameters need at least an id')
  }
  const raw = json as Record<string, unknown>
  const params: Record<string, unknown> = { ...raw }
  for (const f of BIGINTS) if (raw[f] !== undefined) params[f] = bigintOf(raw[f], f)
  if (raw.genesisTo !== undefined) params.genesisTo = bytesOf(raw.genesisTo, 'genesisTo')
  const v = raw.validators as { epoch?: unknown; validators?: unknown } | undefined
  if (v !== undefined) {
    if (!Array.isArray(v.validators))
      throw new LightClientError('ERR_CONFIG', 'chain.validators.validators must be a list')
    params.validators = {
      epoch: typeof v.epoch === 'number' ? v.epoch : 0,
      validators: v.validators.map((x: { publicKey?: unknown; power?: unknown }, i: number) => ({
        publicKey: bytesOf(x.publicKey, `validators[${i}].publicKey`),
        power: typeof x.power === 'number' ? x.power : 1,
      })),
    }
  }
  try {
    return createNetwork(params as unknown as NetworkParams)
  } catch (err) {
    throw new LightClientError('ERR_CONFIG', `chain parameters refused: ${(err as Error).message}`, {
      cause: err,
    })
  }
}
