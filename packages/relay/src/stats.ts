import type { AnnounceCounters, DirectCounters, GossipCounters, HeartbeatStats, TopicCounters } from './types'

/** A topic's counters, all zero. */
export function emptyCounters(): TopicCounters {
  return {
    published: 0,
    accepted: 0,
    ignored: 0,
    rejected: 0,
    duplicate: 0,
    expired: 0,
    hopLimit: 0,
    throttled: 0,
    forwarded: 0,
  }
}

/** The relay's counters since start (what `status()` copies out). */
export class RelayStats {
  readonly gossip: GossipCounters = {
    ihaveSent: 0,
    ihaveReceived: 0,
    ihaveIgnored: 0,
    iwantSent: 0,
    iwantReceived: 0,
    iwantServed: 0,
    iwantRefused: 0,
    idontwantSent: 0,
    idontwantReceived: 0,
    graftSent: 0,
    graftReceived: 0,
    pruneSent: 0,
    pruneReceived: 0,
    brokenPromises: 0,
    skippedByIDontWant: 0,
    preambleSent: 0,
    preambleReceived: 0,
    brokenPreambles: 0,
  }
  readonly announce: AnnounceCounters = {
    invSent: 0,
    invReceived: 0,
    itemsAnnounced: 0,
    getDataSent: 0,
    getDataReceived: 0,
    itemsRequested: 0,
    itemsServed: 0,
    itemsNotFound: 0,
    requestFailures: 0,
    fallbacks: 0,
  }
  readonly direct: DirectCounters = {
    sent: 0,
    forwarded: 0,
    delivered: 0,
    noRoute: 0,
    duplicate: 0,
    expired: 0,
    hopLimit: 0,
    rateLimited: 0,
  }
  readonly heartbeat: HeartbeatStats = { count: 0, lastMs: 0, maxMs: 0, totalMs: 0 }
  unknownTopic = 0
  graylisted = 0

  heartbeatDone(ms: number): void {
    const h = this.heartbeat
    h.count++
    h.lastMs = ms
    h.totalMs += ms
    if (ms > h.maxMs) h.maxMs = ms
  }
}
