import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLightClient, LIGHT_CLIENT_OPTIONS, LightClientError } from '../src/index'
import { scenario } from './helpers'

const src = join(import.meta.dirname, '..', 'src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? files(p) : [p]
  })
}

describe('the portable core', () => {
  it('imports no node: module and no LevelDB binding outside the Node adapters and the CLI', () => {
    const core = files(src).filter((f) => !/^(node|cli)\b/.test(relative(src, f)) && !f.endsWith('cli.ts'))
    expect(core.length).toBeGreaterThan(10)
    for (const f of core) {
      const text = readFileSync(f, 'utf8')
      expect([relative(src, f), /from '(node:[^']+|classic-level)'/.test(text)]).toEqual([
        relative(src, f),
        false,
      ])
    }
  })
})

describe('options and life cycle', () => {
  it('documents a default for every option and refuses bad ones with ERR_INVALID_OPTIONS', () => {
    const s = scenario(1)
    for (const bad of [{ minAgreeingGroups: 0 }, { checkpoint: { height: 1, hash: 'zz' } }, { nope: 1 }]) {
      let caught: unknown
      try {
        createLightClient({ chain: s.network }, bad as never)
      } catch (err) {
        caught = err
      }
      expect(LightClientError.isInstance(caught) && caught.code).toBe('ERR_INVALID_OPTIONS')
    }
    const text = readFileSync(join(src, 'options.ts'), 'utf8')
    for (const name of Object.keys(LIGHT_CLIENT_OPTIONS)) {
      expect([name, new RegExp(`@default[^\\n]*\\n(\\s*\\*/\\n)?\\s*${name}:`).test(text)]).toEqual([
        name,
        true,
      ])
    }
  })

  it('leaves nothing running after stop(), and refuses work when stopped', async () => {
    const s = scenario(1)
    const client = createLightClient({ chain: s.network })
    await client.start()
    await client.stop()
    expect(client.isStarted()).toBe(false)
    expect(client.network.isStarted()).toBe(false)
    expect(() => client.verifyTransaction(new Uint8Array(32), new Uint8Array(32))).toThrow(LightClientError)
    // Start again on a fresh store: idempotent life cycle.
    await client.stop()
  })
})
