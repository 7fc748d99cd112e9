/** Two transports wired through in-memory stream pairs (no libp2p node). */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { streamPair } from '@libp2p/utils'
import type { RaftTransportComponents } from '../../../../src/consensus/transport/libp2p-transport.js'
import type { Connection, PeerId, Stream, StreamHandler } from '@libp2p/interface'

export interface FakeNode {
  peerId: PeerId
  handlers: Map<string, StreamHandler>
  components: RaftTransportComponents
  /** Hook on every outbound stream this node opens (e.g. to cut it). */
  onOutbound?: (protocol: string, stream: Stream) => void
  peers: Map<string, FakeNode>
}

export async function fakeNode (): Promise<FakeNode> {
  const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const handlers = new Map<string, StreamHandler>()
  const peers = new Map<string, FakeNode>()
  const node: FakeNode = { peerId, handlers, peers, components: undefined as unknown as RaftTransportComponents }
  const connectionTo = (remote: FakeNode): Connection => ({
    status: 'open',
    remotePeer: remote.peerId,
    newStream: async (protocol: string | string[]) => {
      const p = Array.isArray(protocol) ? protocol[0] as string : protocol
      const handler = remote.handlers.get(p)
      if (handler === undefined) throw new Error(`protocol ${p} not handled`)
      const [out, inb] = await streamPair()
      await handler(inb, { remotePeer: peerId } as unknown as Connection)
      node.onOutbound?.(p, out)
      return out
    }
  }) as unknown as Connection
  node.components = {
    peerId,
    logger: defaultLogger(),
    registrar: {
      handle: async (protocol, handler) => { handlers.set(protocol, handler) },
      unhandle: async (protocol) => { handlers.delete(protocol) }
    },
    connectionManager: {
      getConnections: (p?: PeerId) => {
        if (p === undefined) return [...peers.values()].map(connectionTo)
        const remote = peers.get(p.toString())
        return remote === undefined ? [] : [connectionTo(remote)]
      },
      openConnection: async (p: PeerId) => {
        const remote = peers.get(p.toString())
        if (remote === undefined) throw new Error('unreachable')
        return connectionTo(remote)
      }
    }
  }
  return node
}

export function link (a: FakeNode, b: FakeNode): void {
  a.peers.set(b.peerId.toString(), b)
  b.peers.set(a.peerId.toString(), a)
}

export function unlink (a: FakeNode, b: FakeNode): void {
  a.peers.delete(b.peerId.toString())
  b.peers.delete(a.peerId.toString())
}

export async function until (what: string, fn: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

/** Opens a raw inbound stream to `to`'s handler for `protocol`, as if from `from`. */
export async function rawStream (from: FakeNode, to: FakeNode, protocol: string): Promise<Stream> {
  const handler = to.handlers.get(protocol)
  if (handler === undefined) throw new Error('not handled')
  const [out, inb] = await streamPair()
  await handler(inb, { remotePeer: from.peerId } as unknown as Connection)
  return out
}
