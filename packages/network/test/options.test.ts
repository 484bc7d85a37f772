import { describe, expect, it } from 'vitest'
import { NetworkError } from '../src/errors'
import type { NetworkOptions } from '../src/index'
import { DEFAULT_RATE_LIMITS, resolveOptions } from '../src/options'

function refusal(options: NetworkOptions): { option: unknown; code: string } {
  try {
    resolveOptions(options)
  } catch (err) {
    expect(NetworkError.isInstance(err)).toBe(true)
    const e = err as NetworkError
    return { option: e.details.option, code: e.code }
  }
  throw new Error(`accepted ${JSON.stringify(options)}`)
}

describe('network options', () => {
  it('defaults as documented', () => {
    const o = resolveOptions({})
    expect(o).toMatchObject({
      networkId: 'chainwire-mainnet',
      maxConnections: 125,
      maxInbound: 106,
      maxInboundPerNetGroup: 16,
      inboundRatePerIp: 0.2,
      backoffBaseMs: 1_000,
      backoffMaxMs: 300_000,
      backoffJitter: 0.3,
      backoffMaxEntries: 1_024,
      evictionProtection: {
        netGroups: 4,
        lowestPing: 8,
        recentTransactions: 4,
        recentBlocks: 4,
        uptimeFraction: 0.5,
      },
      laneWeights: { blocks: 4, transactions: 2, bulk: 1 },
    })
    expect(o.rateLimits).toEqual(DEFAULT_RATE_LIMITS)
  })

  it('merges nested options field by field over their defaults', () => {
    const o = resolveOptions({
      rateLimits: { blocks: { byteBurst: 1 } },
      evictionProtection: { lowestPing: 0 },
      dialBackoff: { maxMs: 5 },
      maxConnections: 20,
    })
    expect(o.rateLimits.blocks).toEqual({ ...DEFAULT_RATE_LIMITS.blocks, byteBurst: 1 })
    expect(o.rateLimits.bulk).toEqual(DEFAULT_RATE_LIMITS.bulk)
    expect(o.evictionProtection.lowestPing).toBe(0)
    expect(o.evictionProtection.netGroups).toBe(4)
    expect([o.backoffBaseMs, o.backoffMaxMs]).toEqual([1_000, 5])
    expect(o.maxInbound).toBe(1) // 20 - 8 - 2 - 1 - 8
    expect(
      resolveOptions({ rateLimits: { bulk: { messagesPerSecond: Number.POSITIVE_INFINITY } } }).rateLimits
        .bulk.messagesPerSecond,
    ).toBe(Number.POSITIVE_INFINITY)
  })

  it.each<[NetworkOptions, string]>([
    [{ maxConnections: 0 }, 'maxConnections'],
    [{ maxConnections: 1.5 }, 'maxConnections'],
    [{ maxConnections: Number.POSITIVE_INFINITY }, 'maxConnections'],
    [{ maxInbound: -1 }, 'maxInbound'],
    [{ networkId: 'bad id' }, 'networkId'],
    [{ inboundRatePerIp: -0.1 }, 'inboundRatePerIp'],
    [{ maxClockSkewMs: Number.NaN }, 'maxClockSkewMs'],
    [{ latencyAlpha: 0 }, 'latencyAlpha'],
    [{ dialBackoff: { jitter: 2 } }, 'dialBackoff.jitter'],
    [{ dialBackoff: { maxEntries: 0 } }, 'dialBackoff.maxEntries'],
    [{ rateLimits: { blocks: { byteBurst: -1 } } }, 'rateLimits.blocks.byteBurst'],
    [{ rateLimits: { nope: {} } as never }, 'rateLimits.nope'],
    [{ evictionProtection: { uptimeFraction: 1.5 } }, 'evictionProtection.uptimeFraction'],
    [{ evictionProtection: { netGroups: -1 } }, 'evictionProtection.netGroups'],
    [{ laneWeights: { blocks: 1_001 } }, 'laneWeights.blocks'],
    [{ maxMessageSize: 4_000_001 }, 'maxMessageSize'],
    [{ announce: ['not an address'] }, 'announce'],
    [{ announce: Array.from({ length: 17 }, (_, i) => `tcp://10.0.0.${i}:1`) }, 'announce'],
    [{ persistentPeers: Array.from({ length: 65 }, (_, i) => `tcp://10.0.0.${i}:1`) }, 'persistentPeers'],
    [{ messageClasses: { hello: 'fast' } as never }, 'messageClasses'],
    [{ maxConections: 5 } as NetworkOptions, 'maxConections'],
  ])('refuses %j, naming %s', (options, option) => {
    expect(refusal(options)).toEqual({ option, code: 'ERR_INVALID_OPTIONS' })
  })
})
