import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { parseArgs, parseSeed, UsageError } from '../src/cli/args'

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const tsx = createRequire(import.meta.url).resolve('tsx/cli')
const dir = mkdtempSync(join(tmpdir(), 'netsim-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs the CLI from source (as `pnpm netsim` does) and resolves with its exit code and output. */
function run(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsx, '--conditions=@chainwire/source', cli, ...args],
      { cwd: dir, timeout: 120_000, env },
      (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? 1), stdout, stderr })
      },
    )
  })
}

const scenario = join(dir, 'small.yaml')
writeFileSync(
  scenario,
  [
    'name: cli-small',
    'duration: 10s',
    'nodes: 6',
    'topology: { type: ring }',
    'workload:',
    '  - { type: transaction, rate: 2, size: 100 }',
    '  - { type: ping, every: 2s }',
    '',
  ].join('\n'),
)

// Each test starts the CLI (tsx compiling from source) one to three times: seconds each on a loaded machine.
describe('chainwire-netsim', { timeout: 240_000 }, () => {
  it('runs a scenario and writes report.json and report.svg', async () => {
    const out = join(dir, 'out')
    const { code, stdout, stderr } = await run(['run', scenario, '--seed', '9', '--out', out])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toContain('netsim cli-small: 6 nodes')
    expect(stdout).toMatch(/delivery 100\.00% \(\d+\/\d+ over \d+ messages\), [\d.]+% within 1000 ms/)
    expect(stdout).toMatch(/events in [\d.]+ s wall/)
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))
    expect(report.scenario).toMatchObject({ name: 'cli-small', seed: 9, nodes: 6 })
    expect(report.summary.messages.published).toBeGreaterThan(5)
    const svg = readFileSync(join(out, 'report.svg'), 'utf8')
    expect(svg.startsWith('<?xml')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    const again = await run(['run', scenario, '--seed=9', '--out', join(dir, 'again'), '--quiet'])
    expect(again).toMatchObject({ code: 0, stdout: '' })
    expect(readFileSync(join(dir, 'again', 'report.json'), 'utf8')).toBe(
      readFileSync(join(out, 'report.json'), 'utf8'),
    )
  })

  it('validates a scenario file', async () => {
    const { code, stdout } = await run(['validate', scenario])
    expect(code).toBe(0)
    expect(stdout).toContain('ok: cli-small: 6 nodes in 1 region, ring topology')
    expect(stdout).not.toContain('hint')
  })

  it('advises a larger young generation for 1,000 nodes and more, unless NODE_OPTIONS gives one', async () => {
    const big = join(dir, 'big.yaml')
    writeFileSync(big, ['name: cli-big', 'duration: 10s', 'nodes: 5000', ''].join('\n'))
    const { NODE_OPTIONS: _, ...env } = process.env
    const plain = await run(['validate', big], env)
    expect(plain.code).toBe(0)
    expect(plain.stdout).toContain('hint: 5,000 nodes run faster with a larger young generation')
    expect(plain.stdout).toContain('NODE_OPTIONS=--max-semi-space-size=128')
    const given = await run(['validate', big], { ...env, NODE_OPTIONS: '--max-semi-space-size=64' })
    expect(given).toMatchObject({ code: 0 })
    expect(given.stdout).toContain('ok: cli-big: 5,000 nodes')
    expect(given.stdout).not.toContain('hint')
  })

  it('exits 1 with the error code for a bad scenario', async () => {
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, 'duration: 10s\nnodes: 6\nlinks: { loss: 3 }\n')
    const { code, stderr } = await run(['validate', bad])
    expect(code).toBe(1)
    expect(stderr).toContain('error ERR_SCENARIO_INVALID: links.loss')
    const missing = await run(['run', join(dir, 'nope.yaml')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('ERR_SCENARIO_FILE')
  })

  it('prints usage: exit 0 for help, 2 for a bad command line', async () => {
    const help = await run(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('usage:')
    expect(help.stdout).toContain('exit codes:')
    const bad = await run(['run'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('run needs a scenario file')
    const unknown = await run(['run', scenario, '--speed', '2'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("Unknown option '--speed'")
  })

  it('prints its version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string
    }
    for (const flag of ['--version', '-v']) {
      const { code, stdout } = await run([flag])
      expect(code).toBe(0)
      expect(stdout.trim()).toBe(`chainwire-netsim ${pkg.version}`)
    }
  })

  it('says "no messages published" for a run without messages, and runs with the null cipher', async () => {
    const quiet = join(dir, 'quiet.yaml')
    writeFileSync(quiet, 'name: quiet\nduration: 4s\nnodes: 3\nworkload:\n  - { type: ping, every: 1s }\n')
    const { code, stdout } = await run(['run', quiet, '--out', join(dir, 'quiet'), '--cipher', 'null'])
    expect(code).toBe(0)
    expect(stdout).toContain('null cipher')
    expect(stdout).toContain('delivery: no messages published')
    expect(stdout).not.toContain('100.00%')
    const report = JSON.parse(readFileSync(join(dir, 'quiet', 'report.json'), 'utf8'))
    expect(report.scenario.cipher).toBe('null')
    expect(report.summary.messages.deliveryRatio).toBeNull()
  }, 120_000)
})

describe('argument parsing', () => {
  it('parses run and validate', () => {
    expect(parseArgs(['run', 'a.yaml'])).toEqual({
      command: 'run',
      file: 'a.yaml',
      seed: undefined,
      out: 'report',
      quiet: false,
      cipher: undefined,
    })
    expect(parseArgs(['run', 'a.yaml', '--seed', 'abc', '--out=x', '--quiet', '--cipher=null'])).toEqual({
      command: 'run',
      file: 'a.yaml',
      seed: 'abc',
      out: 'x',
      quiet: true,
      cipher: 'null',
    })
    expect(parseArgs(['--seed', '3', 'run', 'a.yaml'])).toMatchObject({ command: 'run', seed: 3 })
    expect(parseArgs(['validate', 'a.json'])).toEqual({ command: 'validate', file: 'a.json' })
    expect(parseArgs([])).toEqual({ command: 'help' })
    expect(parseArgs(['run', 'a', '-h'])).toEqual({ command: 'help' })
    expect(parseArgs(['--version'])).toEqual({ command: 'version' })
    expect(parseArgs(['-v'])).toEqual({ command: 'version' })
    expect(() => parseArgs(['fly'])).toThrow('unknown command')
    expect(() => parseArgs(['run', 'a', '--speed', '2'])).toThrow("Unknown option '--speed'")
    expect(() => parseArgs(['run', 'a', 'b'])).toThrow('unexpected argument')
    expect(() => parseArgs(['run', 'a', '--seed'])).toThrow('argument missing')
    expect(() => parseArgs(['run', 'a', '--cipher', 'rot13'])).toThrow('--cipher must be one of')
    expect(() => parseArgs(['validate', 'a', '--seed', '1'])).toThrow('validate takes no --seed')
    expect(() => parseArgs(['run', 'a', '--quiet=yes'])).toThrow(UsageError)
    expect(parseSeed('42')).toBe(42)
    expect(parseSeed('0042x')).toBe('0042x')
  })
})
