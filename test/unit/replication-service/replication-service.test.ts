import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { antiEntropy } from '../../../src/mesh/anti-entropy/index.js'
import { canonicalJson, NodeTable, ReplicaState } from '../../../src/replication/core/index.js'
import { encodeGossip, packDelta } from '../../../src/replication/service/codec.js'
import { REPLICATION_TOPIC_PREFIX } from '../../../src/replication/service/index.js'
import { MemoryReplicaPersistence, ReplicaStore } from '../../../src/replication/store/index.js'
import { connect, createReplicaNode, waitFor } from './helpers.js'
import type { ReplicaNode } from './helpers.js'

const running: ReplicaNode[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map(async n => n.stop()))
})

async function nodes (count: number, init: Parameters<typeof createReplicaNode>[0] = {}, options: Parameters<typeof createReplicaNode>[1] = {}): Promise<ReplicaNode[]> {
  const out = await Promise.all(Array.from({ length: count }, async () => createReplicaNode(init, options)))
  running.push(...out)
  await Promise.all(out.map(async n => n.start()))
  return out
}

const data = (n: ReplicaNode): ReplicaNode['services']['replication'] => n.services.replication

/** Waits until each of `group` knows every other one as a subscriber of the replication topic (so gossip reaches it). */
async function topicReady (...group: ReplicaNode[]): Promise<void> {
  const topic = REPLICATION_TOPIC_PREFIX + '_'
  const subscribers = (n: ReplicaNode): string[] => (n.services.pubsub as { getSubscribers(t: string): Array<{ toString(): string }> }).getSubscribers(topic).map(p => p.toString())
  await waitFor(() => group.every(n => group.every(m => m === n || subscribers(n).includes(m.peerId.toString()))), 5000, 'topic peers')
}

describe('replication service over libp2p', () => {
  it('three nodes writing the same keys concurrently converge (values, checksums, CRDTs)', async () => {
    const [a, b, c] = await nodes(3, { resolvers: { prefixes: { 'union/': 'merge-union' } }, keyspaces: ['union'] }) as [ReplicaNode, ReplicaNode, ReplicaNode]
    await connect(a, b)
    await connect(b, c)
    await connect(a, c)
    await topicReady(a, b, c)
    const all = [a, b, c]
    const changes: string[] = []
    const stopListening = data(c).onChange(change => { if (change.key === 'same/0') changes.push(change.source) })
    await Promise.all(all.map(async (n, i) => {
      for (let k = 0; k < 50; k++) {
        await data(n).write(`same/${k}`, { by: i, k })
        await data(n).write(`union/${k % 5}`, [`n${i}-${k}`])
      }
      await data(n).counter('visits').increment(i + 1)
      await data(n).set('tags').add(`t${i}`)
    }))
    await data(a).delete('same/0')
    await waitFor(() => new Set(all.map(n => data(n).checksum())).size === 1, 15_000, 'equal checksums')
    for (let k = 0; k < 50; k++) {
      const values = all.map(n => canonicalJson(data(n).read(`same/${k}`)?.value ?? null))
      assert.equal(new Set(values).size, 1, `same/${k} resolves to one value everywhere`)
    }
    assert.equal(data(b).read('same/0'), undefined)
    // Which path brings another node's change to c first (gossip or a pull) depends on timing; both count.
    assert.ok(changes.includes('local') && (changes.includes('gossip') || changes.includes('sync')), `c saw its own and others' changes: ${changes.join(',')}`)
    stopListening()
    assert.equal(data(c).counter('visits').value(), 6)
    assert.deepEqual(data(c).set('tags').values(), ['t0', 't1', 't2'])
    // merge-union keeps every node's elements in each union key.
    const union = data(c).read('union/0')?.value as string[]
    assert.ok(['n0', 'n1', 'n2'].every(p => union.some(x => x.startsWith(p))), JSON.stringify(union))
    const stats = all.map(n => data(n).stats())
    assert.ok(stats.some(s => s.conflicts.total > 0), 'concurrent writes were resolved')
    assert.ok(stats.every(s => s.bytesReplicated.sent > 0 && s.bytesReplicated.received > 0))
    assert.ok(stats.every(s => s.messages.received > 0), `every node received gossip: ${stats.map(s => s.messages.received).join(',')}`)
    assert.ok(stats[0]!.messages.published < stats[0]!.writes, `deltas were batched: ${stats[0]!.messages.published} messages for ${stats[0]!.writes} writes`)
  })

  it('refuses and counts a gossiped delta whose checksum does not match; a pull then brings the real value', async () => {
    const [a, b] = await nodes(2, { pullIntervalMs: 0, pullOnConnect: false })
    await connect(a!, b!)
    await topicReady(a!, b!)
    // A forger on node A: a delta for 'k' signed for one value but carrying another.
    const state = new ReplicaState({ nodeId: a!.peerId.toString() })
    const good = state.write('k', 'real', Date.now())
    const forged = { ...good, versions: good.versions.map(v => ({ ...v, value: 'forged' })) } as typeof good
    const table = new NodeTable()
    const message = encodeGossip(a!.peerId.toString(), {}, table, [packDelta(forged, table)])
    await (a!.services.pubsub as { publish(t: string, d: Uint8Array): Promise<unknown> }).publish(REPLICATION_TOPIC_PREFIX + '_', message)
    await waitFor(() => data(b!).stats().deltas.rejectedChecksum === 1, 5000, 'the refusal')
    assert.equal(data(b!).read('k'), undefined)
    // The real write on A reaches B by pull.
    await data(a!).write('k', 'real')
    const pulled = await data(b!).replicateFrom(a!.peerId.toString())
    assert.equal(pulled.refused, 0)
    assert.equal(data(b!).read('k')?.value, 'real')
  })

  it('pulls what it missed when a peer connects (gossip queue overflowed meanwhile)', async () => {
    const [a, b] = await nodes(2, { maxQueuedDeltas: 10, pullIntervalMs: 0 })
    for (let i = 0; i < 500; i++) await data(a!).write(`missed/${i}`, i)
    await data(a!).delete('missed/7')
    assert.ok(data(a!).stats().deltas.dropped >= 490, 'the bounded queue dropped what it could not hold')
    await connect(a!, b!)
    await waitFor(() => data(b!).stats().pulls.made >= 1 && data(b!).checksum() === data(a!).checksum(), 10_000, 'pull on connect')
    assert.equal(data(b!).read('missed/499')?.value, 499)
    assert.equal(data(b!).read('missed/7'), undefined)
    assert.deepEqual(data(b!).clock(), data(a!).clock(), 'the summary clock adopted the peer\'s after a complete pull')
  })

  it('collects a tombstone on every node once all members acknowledged it', async () => {
    const [a, b] = await nodes(2, { ackIntervalMs: 50, gcIntervalMs: 100 })
    await connect(a!, b!)
    await topicReady(a!, b!)
    await data(a!).write('tmp', 1)
    await data(a!).delete('tmp')
    await waitFor(() => data(a!).replica.state.entry('tmp') === undefined && data(b!).replica.state.entry('tmp') === undefined, 10_000, 'collection')
    assert.ok(data(a!).stats().tombstonesCollected >= 1)
  })

  it('in a line a - b - c, a tombstone is collected only after c (not a neighbour of a) has seen it', async () => {
    const [a, b, c] = await nodes(3, { ackIntervalMs: 50, gcIntervalMs: 100 }) as [ReplicaNode, ReplicaNode, ReplicaNode]
    await connect(a, b)
    await connect(b, c)
    await topicReady(a, b)
    await topicReady(b, c)
    await data(a).write('line', 'v')
    await waitFor(() => data(c).read('line') !== undefined, 5000, 'the write at c')
    await data(a).delete('line')
    await waitFor(() => [a, b, c].every(n => data(n).replica.state.entry('line') === undefined), 10_000, 'collection everywhere')
    assert.ok([a, b, c].every(n => data(n).read('line') === undefined))
    assert.equal(new Set([a, b, c].map(n => data(n).checksum())).size, 1)
  })

  it('a replica registered with anti-entropy is repaired by it alone (no gossip, no pulls)', async () => {
    const init = { pullOnConnect: false, pullIntervalMs: 0 }
    const [a, b] = await nodes(2, init, { pubsub: false, services: { antiEntropy: antiEntropy({ intervalMs: 0, syncOnConnect: false }) } })
    for (let i = 0; i < 200; i++) await data(a!).write(`ae/${i}`, i)
    for (let i = 0; i < 50; i++) await data(b!).write(`ae/${i + 1000}`, i)
    assert.equal(data(a!).stats().antiEntropy, true)
    await connect(a!, b!)
    const ae = a!.services.antiEntropy as { syncWith(peer: unknown, keyspace?: string): Promise<unknown> }
    await waitFor(async () => { try { await ae.syncWith(b!.peerId, 'replication'); return true } catch { return false } }, 5000, 'a session')
    assert.equal(data(a!).checksum(), data(b!).checksum())
    assert.equal(data(b!).read('ae/199')?.value, 199)
  })

  it('keeps its data across a restart with the same persistence and identity', async () => {
    const persistence = new MemoryReplicaPersistence()
    const privateKey = await generateKeyPair('Ed25519')
    const first = await createReplicaNode({ persistence }, { privateKey })
    running.push(first)
    await first.start()
    await data(first).write('kept', { x: 1 }, { durable: true })
    await data(first).counter('c').increment(3)
    const checksum = data(first).checksum()
    const clock = data(first).clock()
    await first.stop()
    assert.ok(persistence.size >= 2)
    const again = await createReplicaNode({ persistence }, { privateKey })
    running.push(again)
    await again.start()
    assert.deepEqual(data(again).read('kept')?.value, { x: 1 })
    assert.equal(data(again).counter('c').value(), 3)
    assert.equal(data(again).checksum(), checksum)
    assert.deepEqual(data(again).clock(), clock)
    // Another identity must not adopt this replica.
    await assert.rejects(ReplicaStore.open({ nodeId: 'someone-else', persistence }), { name: 'InvalidStateError' })
  })
})
