import { createNetwork, type Network } from '@chainwire/chain'
import { networkParamsFromJson } from '@chainwire/node/devnet'
import { LightClientError } from '../errors'

/**
 * Builds the chain network from the JSON form of `@chainwire/chain`'s `createNetwork` parameters (as a devnet
 * folder or a config file holds them). The conversion and its checks are the full node's own
 * (`@chainwire/node/devnet`'s `networkParamsFromJson`), so the same JSON gives the same genesis on both sides.
 * Throws `LightClientError` `ERR_CONFIG` naming the field when the parameters do not validate.
 */
export function networkFromJson(json: unknown): Network {
  try {
    return createNetwork(networkParamsFromJson(json))
  } catch (err) {
    throw new LightClientError('ERR_CONFIG', `chain parameters refused: ${(err as Error).message}`, {
      cause: err,
    })
  }
}
