import { describe, expect, it } from 'vitest'
import { defineScenario, NetsimError, type Report, reportJson, runScenario } from '../src/index'
import { NULL_AEAD } from '../src/sim/null-cipher'

const scenario = defineScenario({
  duration: '15s',
  nodes: 16,
  topology: { type: 'random', degree: 4 },
  links: { latency: { distribution: 'uniform', min: '10ms', max: '60ms' }, bandwidth: '2MB/s', loss: 0.01 },
  workload: [
    { type: 'block', every: '3s', size: '40KB' },
    { type: 'transaction', rate: 3, size: 200 },
    { type: 'ping', every: '2s' },
  ],
  faults: [
    { at: '6s', crash: 'n3' },
    { at: '9s', restart: 'n3' },
  ],
})

function withCipher(report: Report, cipher: Report['scenario']['cipher']): string {
  return reportJson({ ...report, scenario: { ...report.scenario, cipher } })
}

describe('null cipher', () => {
  it('is the same run as ChaCha20-Poly1305 over the real network: same report but for the cipher it names', async () => {
    const real = await runScenario(scenario, { seed: 4 })
    const fast = await runScenario(scenario, { seed: 4, cipher: 'null' })
    expect(real.report.scenario.cipher).toBe('chacha20-poly1305')
    expect(fast.report.scenario.cipher).toBe('null')
    expect(real.report.summary.messages.delivered).toBeGreaterThan(100)
    expect(withCipher(fast.report, 'chacha20-poly1305')).toBe(reportJson(real.report))
    expect(fast.svg).toContain('Noise transport cipher: null')
    expect(real.svg).toContain('Noise transport cipher: ChaCha20-Poly1305')
  })

  it('is chosen by the scenario, and the run option overrides it', async () => {
    const small = defineScenario({ duration: '3s', nodes: 3, cipher: 'null' })
    expect((await runScenario(small)).report.scenario.cipher).toBe('null')
    const real = await runScenario(small, { cipher: 'chacha20-poly1305' })
    expect(real.report.scenario.cipher).toBe('chacha20-poly1305')
    expect(() => defineScenario({ duration: '3s', nodes: 3, cipher: 'rot13' as never })).toThrow(
      expect.objectContaining({
        code: 'ERR_SCENARIO_INVALID',
        details: expect.objectContaining({ path: 'cipher' }),
      }),
    )
    await expect(runScenario(small, { cipher: 'rot13' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
    })
  })

  it('copies the plaintext under a zero tag of 16 bytes, and refuses any other tag', () => {
    const key = Buffer.alloc(32, 7)
    const iv = Buffer.alloc(12)
    const sealer = NULL_AEAD.seal(key, iv)
    const plaintext = Buffer.from('chainwire')
    const ciphertext = sealer.update(plaintext)
    sealer.final()
    const tag = sealer.getAuthTag()
    expect(ciphertext).toEqual(plaintext)
    expect(ciphertext).not.toBe(plaintext)
    expect(tag).toEqual(Buffer.alloc(16))
    const opener = NULL_AEAD.open(key, iv)
    opener.setAuthTag(tag)
    expect(opener.update(ciphertext)).toEqual(plaintext)
    expect(() => opener.final()).not.toThrow()
    const bad = NULL_AEAD.open(key, iv)
    bad.setAuthTag(Buffer.from('0000000000000001'))
    bad.update(ciphertext)
    let caught: unknown
    try {
      bad.final()
    } catch (err) {
      caught = err
    }
    expect(NetsimError.isInstance(caught) && caught.code).toBe('ERR_INVALID_ARGUMENT')
  })
})
