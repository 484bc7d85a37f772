export { bytesToBigInt as bytesToBigIntForTest } from '../src/bytes'
export {
  ChainError,
  createNetwork,
  type FullChain,
  headerHash,
  Miner,
  targetFromBits,
} from '../src/index'
