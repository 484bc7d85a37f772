/**
 * The JSON form of the parameters of @chainwire/chain's `createNetwork`: what a config file and `devnet.json`
 * hold (no bigint, no bytes), and the one conversion to and from the parameters themselves. Imports no part
 * of the node, so a light client can rebuild the identical network and genesis from a devnet folder.
 */
import type { NetworkParams } from '@chainwire/chain'
import { type OptionSpec, option, resolveOptions } from '@chainwire/interface'

/** `createNetwork`'s parameters as JSON: byte fields as lowercase hex, bigint fields as decimal strings. */
export interface ChainParamsJson {
  id: string
  targetBlockTimeMs?: number
  difficultyWindow?: number
  powLimitBits?: number
  genesisBits?: number
  genesisTimestamp?: number
  /** 32-byte public key, hex. */
  genesisTo?: string
  /** Decimal string. */
  genesisAmount?: string
  genesisMessage?: string
  maxFutureBlockTimeMs?: number
  /** Decimal string. */
  blockReward?: string
  maxBlockBytes?: number
  maxBlockTransactions?: number
  maxCoinbaseDataBytes?: number
  /** Decimal string. */
  minimumChainWork?: string
  validators?: { epoch: number; validators: { publicKey: string; power: number }[] }
}

const HEX32 = /^[0-9a-f]{64}$/
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/
const optionalInt = (min: number, max: number) =>
  option.custom<number | undefined>(undefined, (v) =>
    v === undefined || (Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max)
      ? undefined
      : `must be an integer in [${min}, ${max}]`,
  )
const optionalString = (pattern: RegExp, what: string) =>
  option.custom<string | undefined>(undefined, (v) =>
    v === undefined || (typeof v === 'string' && pattern.test(v)) ? undefined : `must be ${what}`,
  )

/** The spec the JSON parameters are checked against; errors name the field (`chain.genesisTo`). */
export const CHAIN_PARAMS_SPEC: OptionSpec<ChainParamsJson> = {
  id: option.string('chainwire-devnet', { maxLength: 64, pattern: /^[A-Za-z0-9._:-]{1,64}$/ }),
  targetBlockTimeMs: optionalInt(1, 86_400_000),
  difficultyWindow: optionalInt(1, 10_000),
  powLimitBits: optionalInt(1, 0xffffffff),
  genesisBits: optionalInt(1, 0xffffffff),
  genesisTimestamp: optionalInt(0, Number.MAX_SAFE_INTEGER),
  genesisTo: optionalString(HEX32, '32 bytes as 64 lowercase hex digits'),
  genesisAmount: optionalString(DECIMAL, 'a decimal integer string'),
  genesisMessage: option.custom<string | undefined>(undefined, (v) =>
    v === undefined || (typeof v === 'string' && v.length <= 100) ? undefined : 'must be a string of <= 100',
  ),
  maxFutureBlockTimeMs: optionalInt(0, 86_400_000),
  blockReward: optionalString(DECIMAL, 'a decimal integer string'),
  maxBlockBytes: optionalInt(1_000, 4_000_000),
  maxBlockTransactions: optionalInt(1, 100_000),
  maxCoinbaseDataBytes: optionalInt(0, 1_000),
  minimumChainWork: optionalString(DECIMAL, 'a decimal integer string'),
  validators: option.custom<ChainParamsJson['validators']>(undefined, (v) => {
    if (v === undefined) return undefined
    const set = v as ChainParamsJson['validators']
    if (
      typeof set !== 'object' ||
      set === null ||
      !Number.isSafeInteger(set.epoch) ||
      !Array.isArray(set.validators)
    )
      return 'must be { epoch, validators: [{ publicKey, power }] }'
    if (set.validators.length === 0 || set.validators.length > 256) return 'must list 1 to 256 validators'
    for (const val of set.validators) {
      if (typeof val?.publicKey !== 'string' || !HEX32.test(val.publicKey))
        return 'publicKey must be 64 hex digits'
      if (!Number.isSafeInteger(val.power) || val.power < 1) return 'power must be a positive integer'
    }
    return undefined
  }),
}

/** Checks JSON chain parameters (errors name the field under `prefix`). */
export function resolveChainParams(json: unknown, prefix = 'chain.'): ChainParamsJson {
  const resolved = resolveOptions(CHAIN_PARAMS_SPEC, json, { prefix })
  return Object.fromEntries(Object.entries(resolved).filter(([, v]) => v !== undefined)) as ChainParamsJson
}

/** `createNetwork`'s parameters from their JSON form (checked first). */
export function networkParamsFromJson(json: unknown): NetworkParams {
  const p = resolveChainParams(json)
  const { genesisTo, genesisAmount, blockReward, minimumChainWork, validators, ...rest } = p
  const params: NetworkParams = { ...rest }
  if (genesisTo !== undefined) params.genesisTo = fromHex(genesisTo)
  if (genesisAmount !== undefined) params.genesisAmount = BigInt(genesisAmount)
  if (blockReward !== undefined) params.blockReward = BigInt(blockReward)
  if (minimumChainWork !== undefined) params.minimumChainWork = BigInt(minimumChainWork)
  if (validators !== undefined) {
    params.validators = {
      epoch: validators.epoch,
      validators: validators.validators.map((v) => ({ publicKey: fromHex(v.publicKey), power: v.power })),
    }
  }
  return params
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Bytes of lowercase or uppercase hex (the caller checked the form). */
export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}
