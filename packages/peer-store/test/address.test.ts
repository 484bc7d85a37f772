/**
 * The address book on top of @chainwire/interface's address module: which addresses it stores, which text
 * names a host, and the deprecated exports kept for earlier users. The rules themselves are tested once, in
 * interface (test/address-cases.ts); here they are only shown to reach the store's public API unchanged.
 */
import { networkGroup, isRoutable as sharedIsRoutable, tryParseAddress } from '@chainwire/interface'
import { describe, expect, it } from 'vitest'
import { ADDRESS_CASES } from '../../interface/test/address-cases'
import { addressGroup, groupOfHost, isRoutable, parseAddress } from '../src/index'
import { openStore, pid } from './helpers'

describe('the addresses the store holds', () => {
  it('every tricky input is stored in canonical form under the shared group, or refused', async () => {
    const { store } = await openStore({ allowNonRoutable: true })
    const owner = new Map<string, string>()
    let i = 0
    for (const c of ADDRESS_CASES) {
      const peerId = pid(`case-${i++}`)
      const dialable = c.canonical !== undefined && !c.canonical.endsWith(':0')
      // A spelling of an address an earlier case stored stays that case's peer's (gossip never rebinds).
      const known = c.canonical === undefined ? undefined : owner.get(c.canonical)
      const added = store.addAddresses(peerId, [c.input], { source: 'verified' })
      expect(added, c.name).toBe(dialable && known === undefined ? 1 : 0)
      const info = store.getAddress(c.input)
      if (!dialable) {
        expect(info, c.name).toBeUndefined()
        continue
      }
      owner.set(c.canonical as string, known ?? peerId)
      expect(info, c.name).toMatchObject({ address: c.canonical, group: c.group, peerId: known ?? peerId })
      expect(info?.source.group, c.name).toBe(c.group)
    }
    await store.stop()
  })

  it('a source or exclusion is an address URL or a bare IP; a bare DNS name is not (it reads as a peer id)', async () => {
    const { store } = await openStore()
    store.addAddresses(pid(1), ['tcp://8.8.4.4:1'], { source: { address: '2002:cb00:7105::1' } })
    expect(store.getAddress('tcp://8.8.4.4:1')?.source.group).toBe('ipv4:203.0')
    store.addAddresses(pid(2), ['tcp://8.9.4.4:1'], { source: { address: 'wss://Seed.Example.org.' } })
    expect(store.getAddress('tcp://8.9.4.4:1')?.source.group).toBe('dns:example.org')
    expect(() =>
      store.addAddresses(pid(3), ['tcp://8.10.4.4:1'], { source: { address: 'example.org' } }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }))
    await store.stop()
  })
})

describe('deprecated exports', () => {
  it('parseAddress, addressGroup, groupOfHost and isRoutable answer as the shared module does', () => {
    for (const c of ADDRESS_CASES) {
      const shared = tryParseAddress(c.input)
      const dialable = shared !== undefined && (shared.port === undefined || shared.port !== 0)
      expect(parseAddress(c.input)?.address, c.name).toBe(dialable ? c.canonical : undefined)
      if (!dialable) continue
      const a = parseAddress(c.input) as NonNullable<ReturnType<typeof parseAddress>>
      expect(addressGroup(a), c.name).toBe(networkGroup(c.input))
      expect(groupOfHost(c.input), c.name).toBe(c.group)
      expect(isRoutable(a), c.name).toBe(sharedIsRoutable(shared))
    }
    expect(groupOfHost('::ffff:8.8.4.4')).toBe('ipv4:8.8')
    expect(groupOfHost('[2a01:4f8::1]')).toBe('ipv6:2a01:4f8')
    expect(groupOfHost('nonsense')).toBeUndefined()
  })
})
