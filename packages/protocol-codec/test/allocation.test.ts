import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CATALOG, CodecError, decode, encode, LIMITS, MESSAGE_TYPES, type MessageOf } from '../src'
import { cpuMs, envelopeWith, JUNK, junkEnvelope, junkList, listPaths, minimalBlock } from './helpers/hostile'
import { SAMPLES } from './helpers/samples'

/*
 * DESIGN.md §6, never unbounded memory: no message may make the decoder build far more values than a valid
 * message of its type could contain. Before the shape check, 4 MB of empty arrays made msgpackr build four
 * million arrays (about a second of CPU) before the schema looked at them, and ran a 64 MB heap out of
 * memory; a valid block of the same size decodes in a few tens of milliseconds.
 */

/** What decoding `bytes` gives: 'decoded', or the CodecError's code. */
function outcome(bytes: Uint8Array): string {
  try {
    decode(bytes)
    return 'decoded'
  } catch (err) {
    if (!CodecError.isInstance(err)) throw err
    return (err as CodecError).code
  }
}

const valid = minimalBlock(25_000)

describe('decoding builds no more than a valid message of its type could hold', () => {
  it('decodes a valid 3.5 MB block of 25,000 transactions', () => {
    expect(valid.length).toBeGreaterThan(3_500_000)
    const msg = decode(valid) as MessageOf<'new_block'>
    expect(msg.data.block.transactions).toHaveLength(25_000)
    expect(Buffer.from(encode(msg)).equals(valid)).toBe(true)
  })

  it('refuses 4 MB of empty arrays, nils, tiny strings, empty bins, maps or nesting faster than it decodes the valid block', () => {
    const validMs = cpuMs(() => decode(valid))
    for (const [name, unit] of Object.entries(JUNK)) {
      const asData = junkEnvelope('new_block', unit, LIMITS.maxMessageSize)
      const asTransactions = envelopeWith(
        SAMPLES.new_block[0] as MessageOf<'new_block'>,
        ['block', 'transactions'],
        junkList(unit, LIMITS.maxMessageSize - 1_000),
      )
      for (const bytes of [asData, asTransactions]) {
        expect(bytes.length).toBeGreaterThan(3_990_000)
        let result = ''
        const ms = cpuMs(() => {
          result = outcome(bytes)
        })
        expect(result, name).not.toBe('decoded')
        expect(ms, `${name}: ${ms} ms, the valid block ${validMs} ms`).toBeLessThan(validMs)
      }
    }
  })

  it('refuses hostile lists wherever a list goes in every message type, in about the time of a valid message of their size', () => {
    const validMs = cpuMs(() => decode(valid))
    let cases = 0
    for (const type of MESSAGE_TYPES) {
      for (const sample of SAMPLES[type]) {
        for (const path of listPaths(sample)) {
          const around = envelopeWith(sample, path, new Uint8Array(0)).length
          const room = Math.min(CATALOG[type].maxSize - around, 1_000_000)
          if (room < 6) continue
          for (const [name, unit] of Object.entries(JUNK)) {
            const bytes = envelopeWith(sample, path, junkList(unit, room))
            let result = ''
            const ms = cpuMs(() => {
              result = outcome(bytes)
            })
            const where = `${type} ${path.join('.')} ${name}`
            expect(result, where).not.toBe('decoded')
            // a valid message of this size would take its share of the valid block's time (plus a few
            // milliseconds for a collection or a compilation landing in the measurement)
            expect(ms, where).toBeLessThan(5 + (validMs * bytes.length) / valid.length)
            cases++
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(300)
  })

  it('refuses every bomb in a process with a 64 MB heap, where the valid block still decodes', async () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url))
    const fixture = fileURLToPath(new URL('./fixtures/small-heap-decode.ts', import.meta.url))
    const child = spawn(
      process.execPath,
      ['--max-old-space-size=64', '--import', 'tsx', '--conditions=@chainwire/source', fixture],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const exit = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
      child.on('exit', (code) => {
        clearTimeout(timer)
        resolve(code)
      })
    })
    expect({ exit, stderr: stderr.slice(0, 500) }).toEqual({ exit: 0, stderr: '' })
    const results = JSON.parse(stdout) as Record<string, string>
    expect(results.valid).toBe('new_block')
    for (const name of Object.keys(JUNK))
      expect(['ERR_SCHEMA', 'ERR_MALFORMED'], name).toContain(results[name])
  }, 90_000)
})
