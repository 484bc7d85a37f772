import type { FullChain } from '@chainwire/chain'
import { createIdentity, createNetwork, type MessageHandler, type Network } from '@chainwire/network'
import type { MessageType } from '@chainwire/protocol-codec'

/** A hostile peer: a real network endpoint whose answers the test writes. */
export interface CraftedPeer {
  network: Network
  address: string
  stop(): Promise<void>
}

const crafted: CraftedPeer[] = []

export async function stopCrafted(): Promise<void> {
  for (const c of crafted.splice(0)) await c.stop().catch(() => {})
}

/**
 * Starts a peer on `host` (TCP, port 0) that claims `claim` in its hello (the height, hash and work of an
 * honest chain's tip, or more) and answers requests with `handlers`.
 */
export async function craftedPeer(
  networkId: string,
  host: string,
  claim: { bestHeight: number; bestHash: Uint8Array; totalWork: bigint },
  handlers: { [K in MessageType]?: MessageHandler<K> },
): Promise<CraftedPeer> {
  const network = createNetwork(
    { identity: createIdentity() },
    { networkId, listen: [`tcp://${host}:0`], localStatus: claim },
  )
  for (const [type, handler] of Object.entries(handlers)) {
    network.handle(type as MessageType, handler as MessageHandler)
  }
  await network.start()
  const peer = { network, address: network.listenAddresses()[0] as string, stop: () => network.stop() }
  crafted.push(peer)
  return peer
}

/** Serves `get_headers` from a chain, optionally rewriting the answer. */
export function servesHeaders(
  chain: FullChain,
  rewrite: (headers: ReturnType<FullChain['headersAfter']>) => ReturnType<FullChain['headersAfter']> = (h) =>
    h,
): MessageHandler<'get_headers'> {
  return (m) => ({
    type: 'headers',
    data: { headers: rewrite(chain.headersAfter(m.data.locator, m.data.stop, m.data.limit ?? 2_000)) },
  })
}
