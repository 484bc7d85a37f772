/// <reference lib="dom" />
/**
 * The dashboard in real Chromium (Debian's `chromium`, driven by playwright-core) against a running 2-node
 * devnet: the page loads, lists the node's peers, and updates through the event stream when a block is mined.
 * No browser is a failure, not a skip: `.ci/run` installs it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DevnetNode } from '../../src/devnet/read'
import { Devnet } from '../../src/devnet/run'
import { CLI, get, until } from './helpers'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
let devnet: Devnet
let dir: string
let browser: Browser | undefined

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cw-dashboard-'))
  devnet = await Devnet.start({
    dir,
    nodes: 2,
    blockTimeMs: 1_000,
    logLevel: 'warn',
    command: CLI,
    say: () => {},
  })
}, 90_000)

afterAll(async () => {
  await browser?.close()
  await devnet?.stop(5_000)
  rmSync(dir, { recursive: true, force: true })
})

describe('the dashboard in Chromium', () => {
  it('loads, lists the peers and updates when a block is mined', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} (Debian's chromium) is installed by .ci/run`).toBe(true)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    const node = devnet.nodes()[0] as DevnetNode
    await until(async () => (await get(node.api, '/api/peers')).length >= 1, 30_000)
    await page.goto(`${node.api}/`)
    await expect(page.title()).resolves.toMatch(/chainwire/)
    // live: the event stream is open
    await page.waitForFunction(() => document.getElementById('live')?.textContent === 'live', undefined, {
      timeout: 15_000,
    })
    // the peers the API reports are rows of the table
    const peers = (await get(node.api, '/api/peers')) as { peerId: string }[]
    await page.waitForSelector('tr.peer-row', { timeout: 15_000 })
    const shown = await page.$$eval('tr.peer-row', (rows) => rows.map((r) => (r as HTMLElement).dataset.peer))
    for (const p of peers) expect(shown).toContain(p.peerId)
    // a block mined after the page loaded shows up: the tip grows and a block event row is added
    const before = Number(await page.textContent('#tip-height'))
    await page.waitForFunction(
      (h) => Number(document.getElementById('tip-height')?.textContent) > h,
      before,
      { timeout: 15_000 },
    )
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('#events tr td:nth-child(2)')).some(
          (td) => td.textContent === 'block' || td.textContent === 'mined',
        ),
      undefined,
      { timeout: 15_000 },
    )
    const height = (await get(node.api, '/api/status')).height as number
    expect(Number(await page.textContent('#tip-height'))).toBeGreaterThan(before)
    expect(Number(await page.textContent('#tip-height'))).toBeLessThanOrEqual(height + 1)
    expect(errors).toEqual([])
  })
})
