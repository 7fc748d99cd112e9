import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { PeerExchangeMessage } from '../../../src/discovery/pb/peer-exchange.js'
import { decodeExchange, decodeExchangeMessage, encodeExchange, PEER_EXCHANGE_PROTOCOL, peerExchange } from '../../../src/discovery/peer-exchange/index.js'
import { seededRandom } from '../../../src/util/pure/random.js'
import { createTestNode, waitFor } from './helpers.js'
import { loopbackNode } from '../../helpers/loopback-node.js'
import type { ExchangePeerInfo, PeerExchange, PeerExchangeInit } from '../../../src/discovery/peer-exchange/index.js'
import type { Libp2p } from '@libp2p/interface'

type ExchangeNode = Libp2p<{ exchange: PeerExchange }>

async function exchangeNode (init: PeerExchangeInit = {}): Promise<ExchangeNode> {
  const node = await createTestNode({ exchange: peerExchange({ interval: 60_000, random: seededRandom(11), ...init }) })
  return node as unknown as ExchangeNode
}

/** A node WITHOUT identify: it never learns a peer's listen addresses or protocols from identify. */
async function bareExchangeNode (init: PeerExchangeInit = {}): Promise<ExchangeNode> {
  const node = await loopbackNode({ exchange: peerExchange({ interval: 60_000, random: seededRandom(13), ...init }) })
  return node as unknown as ExchangeNode
}

const outbound = (from: Libp2p, to: Libp2p): boolean => from.getConnections(to.peerId).some(c => c.direction === 'outbound' && c.status === 'open')

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }

describe('peer exchange: announcements and stated addresses', () => {
  const nodes: ExchangeNode[] = []
  before(() => { process.on('unhandledRejection', onUnhandled) })
  after(async () => {
    await Promise.all(nodes.map(async n => n.stop()))
    process.off('unhandledRejection', onUnhandled)
    assert.deepEqual(unhandled, [])
  })

  it('a newcomer announced by push is dialed by a member that never exchanged with it', async () => {
    const [a, b] = await Promise.all([exchangeNode(), exchangeNode({ announceDialDelay: 50 })])
    // The newcomer stops at one connection, so it never dials B itself.
    const newcomer = await exchangeNode({ minConnections: 1 })
    nodes.push(a, b, newcomer)
    await b.dial(a.getMultiaddrs()[0] as never)
    await waitFor(() => a.services.exchange.stats.answered >= 1, 3000, 'B exchanged with A')
    const announced: ExchangePeerInfo[] = []
    b.services.exchange.addEventListener('peer:announce', (evt) => { announced.push(evt.detail) })

    await newcomer.dial(a.getMultiaddrs()[0] as never)
    await waitFor(() => outbound(b, newcomer), 5000, 'B dialed the newcomer')

    assert.equal(newcomer.services.exchange.stats.dials, 0, 'the newcomer did not dial B')
    assert.ok(a.services.exchange.stats.announcesSent >= 1)
    assert.equal(b.services.exchange.stats.announcesReceived, 1)
    const event = announced.find(p => p.id.equals(newcomer.peerId))
    assert.ok(event != null, 'B emitted peer:announce for the newcomer')
    assert.ok(event.from.equals(a.peerId))
    assert.ok(event.multiaddrs.length > 0, 'with the addresses the newcomer stated')
    // When B's exchange reaches the newcomer it names A: the newcomer announces B to nobody.
    await waitFor(() => newcomer.services.exchange.stats.answered >= 1, 3000, 'B exchanged with the newcomer')
    assert.equal(newcomer.services.exchange.stats.announcesSent, 0)
    assert.equal(a.services.exchange.stats.malformed + b.services.exchange.stats.malformed + newcomer.services.exchange.stats.malformed, 0)
  })

  it('a member does not dial an announced peer that connects to it first, and announceFanout 0 disables announcements', async () => {
    const quiet = await exchangeNode({ announceFanout: 0 })
    const member = await exchangeNode({ announceDialDelay: 60_000 })
    const newcomer = await exchangeNode()
    nodes.push(quiet, member, newcomer)
    await member.dial(quiet.getMultiaddrs()[0] as never)
    await newcomer.dial(quiet.getMultiaddrs()[0] as never)
    await waitFor(() => newcomer.getConnections(member.peerId).length > 0, 5000, 'the newcomer dialed the member it learnt')
    assert.equal(quiet.services.exchange.stats.announcesSent, 0)
    assert.equal(member.services.exchange.stats.announcesReceived, 0)
    assert.ok(outbound(newcomer, member))
  })

  it('without identify, the exchange runs on connect and the addresses a peer states are passed on', async () => {
    const [hub, first, second] = await Promise.all([bareExchangeNode(), bareExchangeNode(), bareExchangeNode({ announceDialDelay: 60_000 })])
    nodes.push(hub, first, second)
    await first.dial(hub.getMultiaddrs()[0] as never)
    await waitFor(() => hub.services.exchange.stats.answered >= 1, 3000, 'first exchanged with the hub')
    // The hub knows `first` only by an inbound connection (an ephemeral port) and what `first` stated.
    await second.dial(hub.getMultiaddrs()[0] as never)
    await waitFor(() => outbound(second, first), 5000, 'second dialed first at an address first stated')
    assert.equal(second.services.exchange.stats.dialFailures, 0)
  })

  it('a service started after its node dialed still exchanges on that connection', async () => {
    const [hub, member, late] = await Promise.all([exchangeNode(), exchangeNode(), exchangeNode()])
    nodes.push(hub, member, late)
    await member.dial(hub.getMultiaddrs()[0] as never)
    await late.services.exchange.stop()
    await late.dial(hub.getMultiaddrs()[0] as never)
    await new Promise(resolve => setTimeout(resolve, 300))
    assert.equal(late.services.exchange.stats.initiated, 0, 'stopped: no exchange on connect')
    await late.services.exchange.start()
    await waitFor(() => late.getConnections(member.peerId).length > 0, 5000, 'late learnt and dialed the member')
    assert.ok(late.services.exchange.stats.initiated >= 1)
  })

  it('resets the stream of a malformed announcement or self-address list and counts it', async () => {
    const server = await exchangeNode()
    const client = await exchangeNode()
    nodes.push(server, client)
    const connection = await client.dial(server.getMultiaddrs()[0] as never)
    await waitFor(() => server.services.exchange.stats.answered >= 1, 3000, 'on-connect exchange served')
    const before = server.services.exchange.stats

    const send = async (bytes: Uint8Array): Promise<void> => {
      const stream = await connection.newStream(PEER_EXCHANGE_PROTOCOL)
      const lp = lpStream(stream)
      await lp.write(bytes)
      await assert.rejects(lp.read({ signal: AbortSignal.timeout(3000) }), { name: 'StreamResetError' })
    }
    // An announcement whose own-address list holds undecodable multiaddr bytes.
    await send(PeerExchangeMessage.encode({ peers: [], selfAddrs: [new Uint8Array([0xff, 0xff, 0xff])], announce: true }))
    await waitFor(() => server.services.exchange.stats.malformed === before.malformed + 1, 2000, 'bad self address counted')
    // Nine own addresses: over maxAddrsPerPeer (8).
    const nine = Array.from({ length: 9 }, (_, i) => multiaddr(`/ip4/127.0.0.1/tcp/${1000 + i}`))
    await send(encodeExchange([], { selfAddrs: nine }))
    await waitFor(() => server.services.exchange.stats.malformed === before.malformed + 2, 2000, 'over-limit self addresses counted')
    // A self address naming another peer.
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    await send(PeerExchangeMessage.encode({ peers: [], selfAddrs: [multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${other.toString()}`).bytes], announce: true }))
    await waitFor(() => server.services.exchange.stats.malformed === before.malformed + 3, 2000, 'foreign /p2p/ counted')

    assert.equal(server.services.exchange.stats.announcesReceived, before.announcesReceived, 'no malformed announcement was acted on')
    const result = await client.services.exchange.exchange(server.peerId)
    assert.equal(result.received, 0, 'the server still answers')
    assert.equal(server.status, 'started')
  })
})

describe('peer-exchange codec: fields added within 1.0.0', () => {
  it('round-trips own addresses and the announcement flag; keeps address-less peers only in announcements', async () => {
    const sender = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const named = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const limits = { maxPeers: 32, maxAddrsPerPeer: 8 }
    const self = [multiaddr('/ip4/127.0.0.1/tcp/4001'), multiaddr(`/ip4/127.0.0.1/tcp/4002/p2p/${sender.toString()}`)]
    const announcement = decodeExchangeMessage(encodeExchange([{ id: named, multiaddrs: [] }], { selfAddrs: self, announce: true }), limits, sender)
    assert.equal(announcement.announce, true)
    assert.deepEqual(announcement.selfAddrs.map(String), ['/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/4002'])
    assert.deepEqual(announcement.peers.map(p => [p.id.toString(), p.multiaddrs.length]), [[named.toString(), 0]])

    const exchange = decodeExchangeMessage(encodeExchange([{ id: named, multiaddrs: [] }], { selfAddrs: self }), limits, sender)
    assert.equal(exchange.announce, false)
    assert.deepEqual(exchange.peers, [], 'an ordinary list drops peers without addresses, as before')
  })

  it('messages of senders that predate the fields decode as before, and older receivers still read new messages', async () => {
    const named = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const limits = { maxPeers: 32, maxAddrsPerPeer: 8 }
    // What a 1.0.0 sender without the new fields writes: field 1 only.
    const old = PeerExchangeMessage.encode({ peers: [{ id: named.toString(), addrs: [multiaddr('/ip4/127.0.0.1/tcp/9').bytes] }], selfAddrs: [], announce: false })
    const decoded = decodeExchangeMessage(old, limits)
    assert.deepEqual(decoded.selfAddrs, [])
    assert.equal(decoded.announce, false)
    assert.equal(decoded.peers.length, 1)
    // The new fields are skipped by the original decoder (field 1 only): the peer list is intact.
    const fresh = encodeExchange([{ id: named, multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/9')] }], { selfAddrs: [multiaddr('/ip4/127.0.0.1/tcp/1')], announce: true })
    assert.deepEqual(decodeExchange(fresh, limits).map(p => p.id.toString()), [named.toString()])
  })
})
