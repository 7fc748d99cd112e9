import '../../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { gossipState, GOSSIP_STATE_TOPIC, InvalidStateKeyError, StateValueTooLargeError } from '../../../../src/mesh/gossip-state/index.js'
import { encodeGossipUpdate } from '../../../../src/mesh/pb/gossip-codec.js'
import { connect, createTestNode, waitFor } from '../anti-entropy-service/helpers.js'
import type { GossipState, GossipStateInit, StateChange } from '../../../../src/mesh/gossip-state/index.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'

type Node = Libp2p<{ state: GossipState, pubsub: GossipSub, identify: unknown }>

const nodes: Node[] = []

async function node (init: GossipStateInit = {}): Promise<Node> {
  const n = await createTestNode({ state: gossipState(init) }, { pubsub: true }) as unknown as Node
  nodes.push(n)
  return n
}

describe('gossip-state service over gossipsub', () => {
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map(async n => { await n.stop() }))
  })

  it('holds updates until the topic has a peer, then delivers them by gossip', async () => {
    const a = await node()
    const b = await node()
    assert.equal(a.services.state.repairing, false, 'no anti-entropy service: no repair')
    const seen: StateChange[] = []
    const off = b.services.state.onUpdate((c) => { seen.push(c) })
    await a.services.state.update('load', { cpu: 0.25 })
    await a.services.state.update('zone', 'eu-1')
    await a.services.state.update('load', { cpu: 0.5 }) // coalesces with the waiting 'load'
    assert.deepEqual(a.services.state.queueState, { state: 'holding', size: 2 })
    assert.deepEqual(a.services.state.get(a.peerId, 'load'), { cpu: 0.5 }, 'local view changes at once')
    await connect(a, b)
    await a.services.state.flush({ signal: AbortSignal.timeout(5000) })
    await waitFor(() => b.services.state.get(a.peerId, 'zone') !== undefined, 5000, 'gossip to arrive')
    assert.deepEqual(b.services.state.all(), { [a.peerId.toString()]: { load: { cpu: 0.5 }, zone: 'eu-1' } })
    assert.equal(a.services.state.stats.published, 2)
    assert.equal(b.services.state.stats.received, 2)
    assert.ok(seen.every(c => c.origin === 'remote' && c.owner === a.peerId.toString()))
    off()

    // Deletes travel the same way; the older value never comes back.
    await a.services.state.delete('zone')
    await waitFor(() => b.services.state.get(a.peerId, 'zone') === undefined, 5000, 'delete to arrive')
    assert.deepEqual(b.services.state.all(), { [a.peerId.toString()]: { load: { cpu: 0.5 } } })
    assert.equal(seen.length, 2, 'unsubscribed callback saw nothing more')
  })

  it('rejects and counts forged owners, malformed messages and oversized values', async () => {
    const a = await node()
    const b = await node({ maxValueBytes: 1024 })
    await connect(a, b)
    await waitFor(() => a.services.pubsub.getSubscribers(GOSSIP_STATE_TOPIC).length > 0, 5000, 'subscription')
    const victim = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()

    // Signed by a, claiming to be the victim's state.
    await a.services.pubsub.publish(GOSSIP_STATE_TOPIC, encodeGossipUpdate({ owner: victim, key: 'role', version: 99, deleted: false, value: 'leader' }))
    await a.services.pubsub.publish(GOSSIP_STATE_TOPIC, Uint8Array.from([0xff, 0x01, 0x02]))
    await a.services.state.update('blob', 'x'.repeat(2000)) // a allows 64 KiB, b only 1 KiB
    await a.services.state.update('ok', 1)

    await waitFor(() => b.services.state.get(a.peerId, 'ok') === 1, 5000, 'the valid update')
    const stats = b.services.state.stats
    assert.equal(stats.rejectedForgedOwner, 1)
    assert.equal(stats.rejectedMalformed, 1)
    assert.equal(stats.rejectedOversized, 1)
    assert.equal(stats.received, 1)
    assert.equal(b.services.state.get(victim, 'role'), undefined)
    assert.equal(b.services.state.get(a.peerId, 'blob'), undefined)

    // The same limits apply locally, as named errors.
    await assert.rejects(b.services.state.update('big', 'y'.repeat(2000)), StateValueTooLargeError)
    await assert.rejects(b.services.state.update('k'.repeat(300), 1), InvalidStateKeyError)
  })

  it('applies backpressure when the publish queue is full', async () => {
    const a = await node({ publishQueue: { capacity: 2, ratePerSecond: 1000, burst: 10 } })
    await a.services.state.update('k1', 1)
    await a.services.state.update('k2', 2)
    // Holding (no peers) and full: a third key waits.
    await assert.rejects(a.services.state.update('k3', 3, { signal: AbortSignal.timeout(100) }), (err: Error) => err.name === 'TimeoutError')
    assert.equal(a.services.state.stats.backpressureWaits, 1)
    // A waiting key of the queue still coalesces without waiting.
    await a.services.state.update('k1', 11, { signal: AbortSignal.timeout(100) })
    const b = await node()
    const waiting = a.services.state.update('k4', 4)
    await connect(a, b)
    await waiting
    await a.services.state.flush({ signal: AbortSignal.timeout(5000) })
    await waitFor(() => b.services.state.get(a.peerId, 'k4') === 4, 5000, 'k4')
    // k3 was aborted while waiting: it stays local (anti-entropy would carry it; this node has none).
    assert.equal(a.services.state.get(a.peerId, 'k3'), 3)
    assert.equal(b.services.state.get(a.peerId, 'k1'), 11)
  })
})
