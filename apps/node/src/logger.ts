/**
 * pino for the node: JSON lines (connection, message and system events, each with a `component`), or readable
 * lines through pino-pretty when stdout is a terminal.
 */
import type { Logger } from '@chainwire/interface'
import pino, { type DestinationStream } from 'pino'
import pretty from 'pino-pretty'
import type { NodeConfig } from './config/schema'

/** A node logger: the interface's `Logger`, plus pino's `flush`. */
export type NodeLogger = Logger & { flush(): void; level: string }

/** Creates the node's logger; `destination` defaults to stdout. */
export function createNodeLogger(
  options: NodeConfig['log'],
  destination: DestinationStream | undefined = undefined,
  isTty: boolean = process.stdout.isTTY === true,
): NodeLogger {
  const readable = options.format === 'pretty' || (options.format === 'auto' && isTty)
  const stream = readable
    ? pretty({
        colorize: isTty,
        translateTime: 'HH:MM:ss.l',
        ignore: 'pid,hostname',
        sync: true,
        destination: 1,
      })
    : (destination ?? pino.destination({ dest: 1, sync: true }))
  return pino({ level: options.level, base: { pid: process.pid } }, stream) as unknown as NodeLogger
}
