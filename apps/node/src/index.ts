/**
 * @packageDocumentation
 * `@chainwire/node`: chainwire's reference full node as a library: {@link ChainwireNode} wires every package
 * (network, peer-store, peer-scoring, discovery, nat-traversal, relay, sync, chain) into one node; the
 * configuration, data dir, HTTP API, Prometheus metrics and devnet runner are exported for tools and tests.
 * The `chainwire-node` command is `src/cli.ts`; `@chainwire/node/devnet` reads a devnet folder without
 * importing the node.
 */

export { OPENAPI } from './api/openapi'
export { HttpError, matchPath, ROUTES, type Route } from './api/routes'
export { ApiServer, MAX_BODY_BYTES } from './api/server'
export {
  CONFIG_FILE,
  configFields,
  defaultConfig,
  ENV_PREFIX,
  envLayer,
  envName,
  loadConfig,
  resolveConfig,
} from './config/load'
export {
  CONFIG_SPEC,
  NODE_ROLES,
  type NodeConfig,
  type NodeRoleName,
  RELAY_STRATEGIES,
} from './config/schema'
export {
  DATA_DIR_FILES,
  DATA_DIR_VERSION,
  DataDir,
  defaultDataDir,
  type PortsFile,
  readCookie,
  readPorts,
} from './data-dir'
export { DEVNET_INBOUND_PER_IP, Devnet, type DevnetOptions, devnetChainParams } from './devnet/run'
export { EXIT, exitCodeOf, NodeError, type NodeErrorCode } from './errors'
export { createNodeLogger, type NodeLogger } from './logger'
export { PrometheusMetrics } from './metrics'
export { ChainwireNode, chainNetworkOf, type NodeComponents, USER_AGENT } from './node'
export { formatDuration, progressLine } from './progress'
export { type RunningNode, runNode } from './runner'
export { EventLog, type LiveEvent } from './wiring/events'
