import { ChainwireError } from '@chainwire/interface'
import { version } from '../../package.json'
import type { Report } from '../report/types'
import { writeReport } from '../report/write'
import { loadScenario } from '../scenario/load'
import type { Scenario } from '../scenario/types'
import { runScenario } from '../sim/runner'
import { youngGenerationHint } from '../sim/young-generation'
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, parseArgs, USAGE, UsageError } from './args'

/** Where the CLI writes. */
export interface CliIo {
  out(line: string): void
  err(line: string): void
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}

const int = (v: number): string => Math.round(v).toLocaleString('en-US')
const ms = (v: number | null): string => (v === null ? '-' : `${Number(v.toPrecision(4))} ms`)

function describe(s: Scenario): string {
  const faults =
    s.faults.length === 0 ? 'no faults' : `${s.faults.length} fault${s.faults.length === 1 ? '' : 's'}`
  return `${s.name}: ${int(s.nodeCount)} nodes in ${s.regions.length} region${s.regions.length === 1 ? '' : 's'}, ${s.topology.type} topology, ${int(s.durationMs / 1000)} s virtual, ${s.workload.length} workload item${s.workload.length === 1 ? '' : 's'}, ${faults}, ${s.adversaries.length} adversar${s.adversaries.length === 1 ? 'y' : 'ies'}`
}

/** Runs the CLI with `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let command: ReturnType<typeof parseArgs>
  try {
    command = parseArgs(argv)
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}\n\n${USAGE}`)
      return EXIT_USAGE
    }
    throw err
  }
  if (command.command === 'help') {
    io.out(USAGE)
    return EXIT_OK
  }
  if (command.command === 'version') {
    io.out(`chainwire-netsim ${version}`)
    return EXIT_OK
  }
  try {
    const scenario = await loadScenario(command.file)
    const hint = youngGenerationHint(scenario.nodeCount)
    if (command.command === 'validate') {
      io.out(`ok: ${describe(scenario)}`)
      if (hint !== undefined) io.out(hint)
      return EXIT_OK
    }
    const seed = command.seed ?? scenario.seed
    const cipher = command.cipher ?? scenario.cipher
    if (!command.quiet) {
      io.out(`netsim ${describe(scenario)}; seed ${seed}${cipher === 'null' ? '; null cipher' : ''}`)
      if (hint !== undefined) io.out(`  ${hint}`)
    }
    let lastPrint = 0
    const result = await runScenario(scenario, {
      seed,
      cipher,
      onProgress: command.quiet
        ? undefined
        : (virtualMs) => {
            const pct = Math.floor((virtualMs / scenario.durationMs) * 10)
            if (pct > lastPrint) {
              lastPrint = pct
              io.out(`  ... ${int(virtualMs / 1000)} s of ${int(scenario.durationMs / 1000)} s`)
            }
          },
    })
    const files = await writeReport(command.out, result)
    if (!command.quiet) {
      const r = result.report.summary
      io.out(`  ${deliveryLine(result.report)}`)
      const a = r.adversaryActions
      const spam = r.byKind.spam?.published ?? 0
      if (result.report.scenario.adversaries > 0 || spam > 0) {
        io.out(
          `  adversaries ${int(result.report.scenario.adversaries)}: ${int(spam)} spam messages, ${int(a.dropped)} dropped, ${int(a.delayed)} delayed, ${int(a.tampered)} tampered`,
        )
      }
      io.out(
        `  pings ${int(r.pings.answered)}/${int(r.pings.sent)}, rtt p50 ${ms(r.pings.rttMs.p50)}; connections ${int(r.connections.connected)} opened, ${int(r.connections.disconnected)} closed`,
      )
      if (r.nat !== undefined) {
        const types = Object.entries(r.nat.byType)
          .map(([t, k]) => `${int(k)} ${t}`)
          .join(', ')
        io.out(
          `  NAT ${int(r.nat.nodes)} nodes (${types}): ${int(r.nat.filteredDials)} inbound dials dropped, ${int(r.nat.punched)} hole punches, ${int(r.nat.filteredSyns)} punch SYNs filtered, ${int(r.nat.expiredConnections)} connections lost to mapping timeouts`,
        )
      }
      const s = result.stats
      io.out(
        `  ${int(s.events)} events in ${(s.wallMs / 1000).toFixed(2)} s wall, ${(s.cpuMs / 1000).toFixed(2)} s CPU (${int(s.eventsPerSecond)} events/s, ${int(s.eventsPerCpuSecond)} per CPU second, ${s.virtualToWall.toFixed(2)}x real time; ${(s.totalWallMs / 1000).toFixed(2)} s in all)`,
      )
      io.out(`  wrote ${files.json} and ${files.svg}`)
    }
    return EXIT_OK
  } catch (err) {
    if (ChainwireError.isInstance(err)) {
      io.err(`error ${err.code}: ${err.message}`)
      return EXIT_FAILED
    }
    io.err(`error: ${(err as Error)?.stack ?? String(err)}`)
    return EXIT_FAILED
  }
}

/** The delivery headline: "no messages" rather than a 100% of nothing. */
function deliveryLine(report: Report): string {
  const m = report.summary.messages
  if (m.published === 0) return 'delivery: no messages published'
  if (m.deliveryRatio === null) {
    return `delivery: no targets (${int(m.published)} messages published while no other honest node was running)`
  }
  const pct = (v: number | null): string => `${((v ?? 0) * 100).toFixed(2)}%`
  const deadline = report.scenario.deadlineMs
  return `delivery ${pct(m.deliveryRatio)} (${int(m.delivered)}/${int(m.targets)} over ${int(m.published)} messages), ${pct(m.onTimeRatio)} within ${ms(deadline)}, latency p50 ${ms(m.latencyMs.p50)}, p90 ${ms(m.latencyMs.p90)}, p99 ${ms(m.latencyMs.p99)}`
}
