import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { PeerExchangeMessage } from '../../../src/discovery/pb/peer-exchange.js'
import { decodeExchange, encodeExchange, PEER_EXCHANGE_PROTOCOL, peerExchange } from '../../../src/discovery/peer-exchange/index.js'
import { seededRandom } from '../../../src/util/pure/random.js'
import { createTestNode, waitFor } from './helpers.js'
import type { ExchangePeerInfo, PeerExchange, PeerExchangeInit } from '../../../src/discovery/peer-exchange/index.js'
import type { Libp2p } from '@libp2p/interface'

type ExchangeNode = Libp2p<{ exchange: PeerExchange }>

async function exchangeNode (init: PeerExchangeInit = {}): Promise<ExchangeNode> {
  const node = await createTestNode({ exchange: peerExchange({ interval: 60_000, random: seededRandom(7), ...init }) })
  return node as unknown as ExchangeNode
}

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }

describe('peer exchange between real libp2p nodes', () => {
  const nodes: ExchangeNode[] = []
  before(() => { process.on('unhandledRejection', onUnhandled) })
  after(async () => {
    await Promise.all(nodes.map(async n => n.stop()))
    process.off('unhandledRejection', onUnhandled)
    assert.deepEqual(unhandled, [])
  })

  it('a node that dials one member ends up connected to the others (A–B, C dials B → C–A)', async () => {
    const [a, b, c] = await Promise.all([exchangeNode(), exchangeNode(), exchangeNode()])
    nodes.push(a, b, c)
    await a.dial(b.getMultiaddrs()[0] as never)
    await waitFor(async () => (await a.peerStore.get(b.peerId)).protocols.includes(PEER_EXCHANGE_PROTOCOL), 3000, 'A identified B')

    const learnt: ExchangePeerInfo[] = []
    c.services.exchange.addEventListener('peer:exchange', evt => { learnt.push(evt.detail) })
    const discovered: string[] = []
    c.addEventListener('peer:discovery', evt => { discovered.push(evt.detail.id.toString()) })
    await c.dial(b.getMultiaddrs()[0] as never)

    await waitFor(() => c.getConnections(a.peerId).length > 0, 5000, 'C connected to A')
    const fromB = learnt.find(p => p.id.equals(a.peerId))
    assert.ok(fromB != null, 'C learnt A by exchange')
    assert.equal(fromB.discoveredBy, 'exchange')
    assert.ok(fromB.from.equals(b.peerId))
    assert.ok(fromB.multiaddrs.some(m => a.getMultiaddrs().some(x => x.toString().startsWith(m.toString()))))
    assert.ok(discovered.includes(a.peerId.toString()), 'surfaced as libp2p peer:discovery')
    assert.ok(c.services.exchange.stats.initiated >= 1)
    assert.ok(b.services.exchange.stats.answered >= 1)
    assert.equal(c.services.exchange.stats.malformed, 0)
  })

  it('keeps meshes sparse: a node at minConnections learns peers but does not dial them', async () => {
    const [hub, x, y, late] = await Promise.all([exchangeNode(), exchangeNode(), exchangeNode(), exchangeNode({ minConnections: 1 })])
    nodes.push(hub, x, y, late)
    await Promise.all([x.dial(hub.getMultiaddrs()[0] as never), y.dial(hub.getMultiaddrs()[0] as never)])
    await waitFor(() => hub.getConnections().length >= 2, 3000, 'hub has two peers')
    await late.dial(hub.getMultiaddrs()[0] as never)
    await waitFor(() => late.services.exchange.stats.peersReceived >= 2, 5000, 'late received the hub list')
    await new Promise(resolve => setTimeout(resolve, 200))
    assert.equal(late.services.exchange.stats.peersEmitted, 2)
    assert.equal(late.services.exchange.stats.dials, 0)
    assert.equal(late.getConnections().length, 1)
  })

  it('does not share peers that isVerified rejects, and ignores lists from unverified senders', async () => {
    const hidden = await exchangeNode()
    const shown = await exchangeNode()
    const hub = await exchangeNode({ isVerified: id => !id.equals(hidden.peerId) })
    const asker = await exchangeNode({ minConnections: 0 })
    nodes.push(hidden, shown, hub, asker)
    await Promise.all([hidden.dial(hub.getMultiaddrs()[0] as never), shown.dial(hub.getMultiaddrs()[0] as never)])
    await waitFor(() => hub.getConnections().length >= 2, 3000, 'hub has two peers')
    await asker.dial(hub.getMultiaddrs()[0] as never)
    await waitFor(async () => (await asker.peerStore.get(hub.peerId)).protocols.includes(PEER_EXCHANGE_PROTOCOL), 3000, 'asker identified hub')
    const result = await asker.services.exchange.exchange(hub.peerId)
    assert.equal(result.received, 1, 'only the verified peer is shared')
    // hidden asks hub: hub does not verify hidden, so it sends nothing to it.
    const toHidden = await hidden.services.exchange.exchange(hub.peerId)
    assert.equal(toHidden.received, 0)
    assert.ok(hub.services.exchange.stats.unverifiedIgnored >= 1)
  })

  it('resets the stream of a malformed message, counts it, and serves the next exchange', async () => {
    const server = await exchangeNode()
    const client = await exchangeNode()
    const other = await exchangeNode()
    nodes.push(server, client, other)
    await other.dial(server.getMultiaddrs()[0] as never)
    const connection = await client.dial(server.getMultiaddrs()[0] as never)
    await waitFor(() => server.services.exchange.stats.answered >= 2, 3000, 'on-connect exchanges served')
    const before = server.services.exchange.stats

    // A frame whose protobuf claims 16 bytes for field 1 but carries one.
    const stream = await connection.newStream(PEER_EXCHANGE_PROTOCOL)
    const lp = lpStream(stream)
    await lp.write(new Uint8Array([0x0a, 0x10, 0x01]))
    await assert.rejects(lp.read({ signal: AbortSignal.timeout(3000) }), (err: Error) => {
      assert.equal(err.name, 'StreamResetError', `read failed with ${err.name}: ${err.message}`)
      return true
    })
    await waitFor(() => server.services.exchange.stats.malformed === before.malformed + 1, 2000, 'malformed counted')
    assert.ok(['reset', 'aborted'].includes(stream.status), `stream status ${stream.status}`)

    // Over the peer limit: 33 well-formed peers.
    const many = await Promise.all(Array.from({ length: 33 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
    const stream2 = await connection.newStream(PEER_EXCHANGE_PROTOCOL)
    const lp2 = lpStream(stream2)
    await lp2.write(encodeExchange(many.map(id => ({ id, multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/1')] }))))
    await assert.rejects(lp2.read({ signal: AbortSignal.timeout(3000) }), { name: 'StreamResetError' })
    await waitFor(() => server.services.exchange.stats.malformed === before.malformed + 2, 2000, 'over-limit counted')

    const result = await client.services.exchange.exchange(server.peerId)
    assert.equal(result.received, 1, 'the server still answers, naming its other peer')
    assert.equal(server.services.exchange.stats.answered, before.answered + 1)
    assert.equal(server.status, 'started')
  })
})

describe('peer-exchange codec', () => {
  const limits = { maxPeers: 32, maxAddrsPerPeer: 8 }

  it('round-trips peers and drops the /p2p/ suffix of addresses', async () => {
    const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const bytes = encodeExchange([{ id, multiaddrs: [multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${id.toString()}`), multiaddr('/ip6/::1/tcp/4002')] }])
    const [peer] = decodeExchange(bytes, limits)
    assert.ok(peer?.id.equals(id))
    assert.deepEqual(peer?.multiaddrs.map(String), ['/ip4/127.0.0.1/tcp/4001', '/ip6/::1/tcp/4002'])
  })

  it('rejects bad ids, bad addresses, duplicates and foreign /p2p/ suffixes as MalformedExchangeError', async () => {
    const [id, other] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')]).then(keys => keys.map(k => peerIdFromPrivateKey(k)))
    const addr = multiaddr('/ip4/127.0.0.1/tcp/1').bytes
    const cases = [
      PeerExchangeMessage.encode({ peers: [{ id: 'not-a-peer-id', addrs: [addr] }] }),
      PeerExchangeMessage.encode({ peers: [{ id: id!.toString(), addrs: [new Uint8Array([0xff, 0xff, 0x01])] }] }),
      PeerExchangeMessage.encode({ peers: [{ id: id!.toString(), addrs: [addr] }, { id: id!.toString(), addrs: [addr] }] }),
      PeerExchangeMessage.encode({ peers: [{ id: id!.toString(), addrs: [multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${other!.toString()}`).bytes] }] }),
      PeerExchangeMessage.encode({ peers: [{ id: id!.toString(), addrs: Array.from({ length: 9 }, () => addr) }] }),
      new Uint8Array([0x0a, 0x10, 0x01])
    ]
    for (const bytes of cases) assert.throws(() => decodeExchange(bytes, limits), { name: 'MalformedExchangeError' })
  })
})
