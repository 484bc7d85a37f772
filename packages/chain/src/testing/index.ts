/**
 * @packageDocumentation
 * Test helpers for chainwire users and packages (sync, relay, the apps): a fast test network and a builder
 * of valid blocks on any branch, so tests can produce real chains, forks and reorgs in milliseconds.
 */
export {
  BlockBuilder,
  type BlockOptions,
  createTestNetwork,
  solveHeader,
  TEST_GENESIS_TIME,
  type TestNetworkOptions,
} from './blocks'
