import { describe, expect, it } from 'vitest'
import { openStore, pid, tcp } from './helpers'

const HOUR = 3_600_000

describe('bans', () => {
  it('bans a peer id, an IP, an IPv4 subnet, an IPv6 subnet and a host', async () => {
    const { store } = await openStore()
    expect(store.ban(pid(1), HOUR, 'spam')).toMatchObject({ target: pid(1), kind: 'peer', reason: 'spam' })
    expect(store.ban('1.2.3.4', HOUR)).toMatchObject({ target: '1.2.3.4', kind: 'ip' })
    expect(store.ban('10.20.30.40/16', HOUR)).toMatchObject({ target: '10.20.0.0/16', kind: 'subnet' })
    expect(store.ban('2001:DB8:ABCD::1/48', HOUR)).toMatchObject({
      target: '2001:db8:abcd::/48',
      kind: 'subnet',
    })
    expect(store.ban('::ffff:5.6.7.0/120', HOUR)).toMatchObject({ target: '5.6.7.0/24', kind: 'subnet' })
    expect(store.ban('tcp://[2a01:4f8::9]:1', HOUR)).toMatchObject({ target: '2a01:4f8::9', kind: 'ip' })
    expect(store.ban('wss://evil.example.com/x', HOUR)).toMatchObject({
      target: 'evil.example.com',
      kind: 'host',
    })
    expect(store.ban('memory://mallory', HOUR)).toMatchObject({ target: 'memory://mallory', kind: 'host' })

    expect(store.isBanned(pid(1))).toBe(true)
    expect(store.isBanned(pid(2))).toBe(false)
    expect(store.isBanned('1.2.3.4')).toBe(true)
    expect(store.isBanned('::ffff:1.2.3.4')).toBe(true)
    expect(store.isBanned('tcp://1.2.3.4:9999')).toBe(true)
    expect(store.isBanned('1.2.3.5')).toBe(false)
    expect(store.isBanned('10.20.255.1')).toBe(true)
    expect(store.isBanned('10.21.0.1')).toBe(false)
    expect(store.isBanned('2001:db8:abcd:ffff::1')).toBe(true)
    expect(store.isBanned('[2001:db8:abce::1]')).toBe(false)
    expect(store.isBanned('5.6.7.200')).toBe(true)
    expect(store.isBanned('ws://evil.example.com:80')).toBe(true)
    expect(store.isBanned('memory://mallory')).toBe(true)
    expect(store.listBans()).toHaveLength(8)
    await store.stop()
  })

  it('refuses targets that are none of those', async () => {
    const { store } = await openStore()
    for (const bad of ['', '1.2.3.4/33', '::1/129', 'x/8', 'tcp://nope', 'has space']) {
      expect(() => store.ban(bad, HOUR), bad).toThrowError(
        expect.objectContaining({ code: 'ERR_INVALID_BAN_TARGET' }),
      )
    }
    expect(() => store.ban('1.2.3.4', -1)).toThrowError(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    )
    await store.stop()
  })

  it('gates dials, inbound connections and peers', async () => {
    const { store } = await openStore()
    store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: 'verified' })
    store.addAddresses(pid(2), [tcp(9, 9, 9, 9)], { source: 'verified' })
    store.addAddresses(pid(3), [tcp(7, 7, 7, 7)], { source: 'verified' })
    store.ban('9.9.0.0/16')
    store.ban(pid(3))
    expect(store.allowDial(tcp(8, 8, 8, 8))).toBe(true)
    expect(store.allowDial(tcp(9, 9, 9, 9))).toBe(false)
    expect(store.allowDial(tcp(7, 7, 7, 7))).toBe(false) // its peer is banned
    expect(store.allowDial('junk')).toBe(false)
    expect(store.allowInbound('9.9.1.1')).toBe(false)
    expect(store.allowInbound('8.8.1.1')).toBe(true)
    expect(store.allowPeer(pid(3))).toBe(false)
    expect(store.allowPeer(pid(1))).toBe(true)
    expect(store.selectForDial(8).map((c) => c.peerId)).toEqual([pid(1)])
    expect(store.unban('9.9.1.1/16')).toBe(true)
    expect(store.unban('9.9.1.1/16')).toBe(false)
    expect(store.allowDial(tcp(9, 9, 9, 9))).toBe(true)
    await store.stop()
  })

  it('discourages softly: no dials, inbound still allowed', async () => {
    const { store, clock } = await openStore()
    const seen: unknown[] = []
    store.on('discourage:added', (d) => seen.push(d))
    store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: 'verified' })
    store.discourage('tcp://8.8.8.8:4444')
    expect(store.isDiscouraged('8.8.8.8')).toBe(true)
    expect(store.allowDial(tcp(8, 8, 8, 8))).toBe(false)
    expect(store.allowInbound('8.8.8.8')).toBe(true)
    expect(store.isBanned('8.8.8.8')).toBe(false)
    expect(store.selectForDial(1)).toEqual([])
    expect(store.listDiscouraged()).toEqual([{ ip: '8.8.8.8', expiresAt: clock.now() + 24 * HOUR }])
    expect(seen).toHaveLength(1)
    clock.advance(24 * HOUR)
    expect(store.isDiscouraged('8.8.8.8')).toBe(false)
    expect(() => store.discourage('nope')).toThrowError(
      expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }),
    )
    await store.stop()
  })

  it('expires on the injected clock and sweeps with a ban:expired event', async () => {
    const { store, clock, metrics } = await openStore({ maintenanceIntervalMs: 60_000 })
    const expired: string[] = []
    store.on('ban:expired', (b) => expired.push(b.target))
    store.ban('1.2.3.4', 30_000)
    store.ban(pid(1), 10 * 60_000)
    expect(metrics.get('peer_store_bans', { kind: 'ip' })).toBe(1)
    clock.advance(30_000)
    expect(store.isBanned('1.2.3.4')).toBe(false) // expired entries stop matching at once
    expect(store.listBans().map((b) => b.target)).toEqual([pid(1)])
    clock.advance(30_000) // maintenance sweep
    expect(expired).toEqual(['1.2.3.4'])
    expect(metrics.get('peer_store_bans', { kind: 'ip' })).toBe(0)
    clock.advance(10 * 60_000)
    expect(expired).toEqual(['1.2.3.4', pid(1)])
    expect(store.stats().bans).toBe(0)
    await store.stop()
  })

  it('re-banning extends; the ban list is capped, dropping the soonest expiry', async () => {
    const { store } = await openStore({ maxBans: 3 })
    const removed: string[] = []
    store.on('ban:removed', (b) => removed.push(b.target))
    store.ban('1.1.1.1', HOUR)
    expect(store.ban('1.1.1.1', 5 * HOUR).expiresAt - store.ban('1.1.1.1', HOUR).expiresAt).toBe(0)
    store.ban('2.2.2.2', 2 * HOUR)
    store.ban('3.3.3.3', 3 * HOUR)
    store.ban('4.4.4.4', 4 * HOUR)
    expect(store.listBans().map((b) => b.target)).toEqual(['3.3.3.3', '4.4.4.4', '1.1.1.1'])
    expect(removed).toEqual(['2.2.2.2'])
    await store.stop()
  })
})
