/**
 * `chainwire-node start`: a node, its API, the ports file, progress on a terminal, and the signals: SIGINT or
 * SIGTERM stop every service and close the stores; a second signal forces the exit.
 */
import { systemClock } from '@chainwire/interface'
import { ApiServer } from './api/server'
import type { NodeConfig } from './config/schema'
import { parseHostPort } from './config/schema'
import { createNodeLogger, type NodeLogger } from './logger'
import { PrometheusMetrics } from './metrics'
import { ChainwireNode } from './node'
import { ProgressReporter } from './progress'

/** A running node with its API. */
export interface RunningNode {
  node: ChainwireNode
  api: ApiServer | undefined
  apiUrl: string | undefined
  stop(): Promise<void>
}

/** Starts a node and its API in this process. */
export async function runNode(
  config: NodeConfig,
  dataDir: string,
  logger?: NodeLogger,
): Promise<RunningNode> {
  const log = logger ?? createNodeLogger(config.log)
  const metrics = new PrometheusMetrics()
  const node = await ChainwireNode.start(config, dataDir, { logger: log, metrics })
  let api: ApiServer | undefined
  let apiUrl: string | undefined
  try {
    if (config.api.enabled) {
      const { host, port } = parseHostPort(config.api.listen) as { host: string; port: number }
      api = new ApiServer(node, node.dataDir.writeCookie(), config.api.maxStreams)
      apiUrl = await api.listen(host, port)
    }
  } catch (err) {
    await node.stop()
    throw err
  }
  const progress = new ProgressReporter(process.stderr, log, () => systemClock.now())
  node.sync.on('progress', (p) => progress.update(p))
  const p2p = node.network.listenAddresses()
  node.dataDir.writePorts({ peerId: node.peerId, p2p, api: apiUrl, pid: process.pid })
  log.info({ component: 'node', peerId: node.peerId, p2p, api: apiUrl, dashboard: apiUrl }, 'listening')
  let stopping: Promise<void> | undefined
  return {
    node,
    api,
    apiUrl,
    stop: () => {
      stopping ??= (async () => {
        await api?.close()
        await node.stop()
      })()
      return stopping
    },
  }
}

/** Stops `running` on SIGINT / SIGTERM (a second signal exits at once with 130) and exits when done. */
export function stopOnSignals(stop: () => Promise<void>, logger: NodeLogger): void {
  let signalled = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ component: 'node', signal }, 'second signal: exiting now')
      process.exit(130)
    }
    signalled = true
    logger.info({ component: 'node', signal }, 'stopping')
    stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'stop failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}
