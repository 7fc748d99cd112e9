import '../../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { lpStream } from '@libp2p/utils'
import { antiEntropy, ANTI_ENTROPY_PROTOCOL, MalformedSyncError, SyncRefusedError, UnknownKeyspaceError, UnverifiedPeerError } from '../../../../src/mesh/anti-entropy/index.js'
import { FULL_RANGE, MemorySyncStore, bytesEqual } from '../../../../src/mesh/core/anti-entropy/index.js'
import { encodeSyncMessage } from '../../../../src/mesh/pb/sync-codec.js'
import { connect, createTestNode, waitFor } from './helpers.js'
import type { AntiEntropy } from '../../../../src/mesh/anti-entropy/index.js'
import type { SyncEntry } from '../../../../src/mesh/core/anti-entropy/index.js'
import type { Libp2p } from '@libp2p/interface'

type Node = Libp2p<{ antiEntropy: AntiEntropy, identify: unknown }>

const encoder = new TextEncoder()

function entry (key: string, version: number, value = `${key}@${version}`): SyncEntry {
  const v = new Uint8Array(4)
  new DataView(v.buffer).setUint32(0, version)
  return { key, version: v, payload: encoder.encode(value) }
}

function sameContent (a: MemorySyncStore, b: MemorySyncStore): boolean {
  const fa = a.fingerprint(FULL_RANGE)
  const fb = b.fingerprint(FULL_RANGE)
  return fa.count === fb.count && bytesEqual(fa.hash, fb.hash)
}

/** Two stores of 2,000 keys sharing 1,900, each with 100 of its own and 50 shared keys newer on one side. */
function divergedStores (): { a: MemorySyncStore, b: MemorySyncStore } {
  const a = new MemorySyncStore()
  const b = new MemorySyncStore()
  for (let i = 0; i < 1900; i++) {
    const key = `key-${i.toString().padStart(5, '0')}`
    a.set(entry(key, 1))
    b.set(entry(key, 1))
  }
  for (let i = 0; i < 100; i++) {
    a.set(entry(`only-a-${i}`, 1))
    b.set(entry(`only-b-${i}`, 1))
  }
  for (let i = 0; i < 50; i++) {
    a.set(entry(`key-${(i * 20).toString().padStart(5, '0')}`, 2))
    b.set(entry(`key-${(i * 20 + 7).toString().padStart(5, '0')}`, 3))
  }
  return { a, b }
}

describe('anti-entropy service over libp2p', () => {
  let nodeA: Node
  let nodeB: Node

  before(async () => {
    // Periodic rounds and on-connect sessions off: each test drives sessions itself.
    const init = { intervalMs: 0, syncOnConnect: false }
    nodeA = await createTestNode({ antiEntropy: antiEntropy(init) }) as Node
    nodeB = await createTestNode({ antiEntropy: antiEntropy(init) }) as Node
    await connect(nodeA, nodeB)
  })

  after(async () => {
    await Promise.all([nodeA?.stop(), nodeB?.stop()])
  })

  it('converges two stores that differ, moving only the differences', async () => {
    const { a, b } = divergedStores()
    assert.ok(!sameContent(a, b))
    const fullStoreBytes = encodeSyncMessage({ ranges: [], wants: [], entries: [...a.entries()], endOfTurn: true }).length
    const appliedOnB: SyncEntry[] = []
    const offA = nodeA.services.antiEntropy.register('converge', a)
    const offB = nodeB.services.antiEntropy.register('converge', b, { onApplied: (entries) => { appliedOnB.push(...entries) } })
    const [result] = await nodeA.services.antiEntropy.syncWith(nodeB.peerId, 'converge')
    assert.ok(result !== undefined)
    assert.ok(sameContent(a, b), 'stores converged')
    assert.equal(a.size, 2100)
    // A lacked B's 100 own keys and its 50 newer ones; B lacked A's 100 and A's 50 newer ones.
    assert.equal(result.entriesApplied, 150)
    assert.equal(appliedOnB.length, 150)
    assert.equal(result.role, 'initiator')
    // Less than shipping one whole store, although the differences are spread over the keyspace.
    const moved = result.bytesSent + result.bytesReceived
    assert.ok(moved < fullStoreBytes, `moved ${moved} bytes, a full store is ${fullStoreBytes}`)
    const statsA = nodeA.services.antiEntropy.stats
    assert.equal(statsA.keysReceived, 150)
    await waitFor(() => nodeB.services.antiEntropy.stats.rounds === 1, 2000, 'responder to finish')
    assert.equal(nodeB.services.antiEntropy.stats.keysReceived, 150)

    // A second session between equal stores repairs nothing and takes one round trip.
    const [again] = await nodeB.services.antiEntropy.syncWith(nodeA.peerId, 'converge')
    assert.equal(again?.entriesApplied, 0)
    assert.equal(again?.entriesSent, 0)
    assert.equal(again?.turns, 2)
    offA()
    offB()
  })

  it('refuses a keyspace the peer has not registered, and rejects unknown local keyspaces', async () => {
    nodeA.services.antiEntropy.register('only-on-a', new MemorySyncStore())
    await assert.rejects(nodeA.services.antiEntropy.syncWith(nodeB.peerId, 'only-on-a'),
      (err: Error) => err instanceof SyncRefusedError && err.reason === 'unknown-keyspace')
    await assert.rejects(nodeA.services.antiEntropy.syncWith(nodeB.peerId, 'nowhere'), UnknownKeyspaceError)
    nodeA.services.antiEntropy.unregister('only-on-a')
  })

  for (const [what, frame] of [
    ['an undecodable message', Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])],
    ['an empty frame', new Uint8Array(0)]
  ] as const) {
    it(`resets the stream on ${what}, counts it, and keeps serving`, async () => {
      const store = new MemorySyncStore()
      store.set(entry('x', 1))
      const mirror = new MemorySyncStore()
      const offA = nodeA.services.antiEntropy.register('malformed', mirror)
      const offB = nodeB.services.antiEntropy.register('malformed', store)
      const before = nodeB.services.antiEntropy.stats.malformed
      const stream = await nodeA.dialProtocol(nodeB.getMultiaddrs()[0] as never, ANTI_ENTROPY_PROTOCOL)
      const lp = lpStream(stream)
      await lp.writeV([encoder.encode('malformed'), frame])
      await assert.rejects(lp.read({ signal: AbortSignal.timeout(3000) }))
      await waitFor(() => stream.status !== 'open', 3000, 'stream reset')
      assert.equal(nodeB.services.antiEntropy.stats.malformed, before + 1)
      // The next session works.
      const [result] = await nodeA.services.antiEntropy.syncWith(nodeB.peerId, 'malformed')
      assert.equal(result?.entriesApplied, 1)
      assert.ok(sameContent(store, mirror))
      offA()
      offB()
    })
  }

  it('resets the stream on a frame over the size limit', async () => {
    const offB = nodeB.services.antiEntropy.register('oversized', new MemorySyncStore())
    const before = nodeB.services.antiEntropy.stats.malformed
    const stream = await nodeA.dialProtocol(nodeB.getMultiaddrs()[0] as never, ANTI_ENTROPY_PROTOCOL)
    const lp = lpStream(stream)
    // 2 MiB announced (limit 1 MiB): refused on the length prefix, before the body arrives.
    await lp.writeV([encoder.encode('oversized'), new Uint8Array(2 * 1024 * 1024)])
    await assert.rejects(lp.read({ signal: AbortSignal.timeout(3000) }))
    await waitFor(() => nodeB.services.antiEntropy.stats.malformed === before + 1, 3000, 'malformed counter')
    offB()
  })

  it('never runs two sessions with one peer on one keyspace: concurrent calls queue, crossing calls retry', async () => {
    const { a, b } = divergedStores()
    const offA = nodeA.services.antiEntropy.register('concurrent', a)
    const offB = nodeB.services.antiEntropy.register('concurrent', b)
    const refusedBefore = nodeB.services.antiEntropy.stats.refused + nodeA.services.antiEntropy.stats.refused
    // Two from A at once: the second waits for the first and then finds nothing left to repair.
    const [first, second] = await Promise.all([
      nodeA.services.antiEntropy.syncWith(nodeB.peerId, 'concurrent'),
      nodeA.services.antiEntropy.syncWith(nodeB.peerId, 'concurrent')
    ])
    assert.equal(first[0]?.entriesApplied, 150)
    assert.equal(second[0]?.entriesApplied, 0)
    assert.equal(second[0]?.entriesSent, 0)
    // A and B start at the same moment: one of them refuses as busy, the refused side backs off and retries.
    b.set(entry('late-b', 1))
    a.set(entry('late-a', 1))
    const [fromA, fromB] = await Promise.all([
      nodeA.services.antiEntropy.syncWith(nodeB.peerId, 'concurrent'),
      nodeB.services.antiEntropy.syncWith(nodeA.peerId, 'concurrent')
    ])
    assert.equal(fromA.length, 1)
    assert.equal(fromB.length, 1)
    assert.ok(sameContent(a, b))
    const refused = nodeB.services.antiEntropy.stats.refused + nodeA.services.antiEntropy.stats.refused - refusedBefore
    assert.ok(refused <= 2 * 3, `refusals ${refused} stay within the retry budget`)
    offA()
    offB()
  })

  it('keeps sessions to verified peers', async () => {
    const picky = await createTestNode({ antiEntropy: antiEntropy({ intervalMs: 0, syncOnConnect: false, isVerified: () => false }) }) as Node
    try {
      await connect(picky, nodeA)
      // The listener registers an inbound connection a moment after the dialer has it.
      await waitFor(() => nodeA.getConnections(picky.peerId).length > 0, 3000, 'inbound connection')
      picky.services.antiEntropy.register('verified', new MemorySyncStore())
      const offA = nodeA.services.antiEntropy.register('verified', new MemorySyncStore())
      await assert.rejects(picky.services.antiEntropy.syncWith(nodeA.peerId, 'verified'), UnverifiedPeerError)
      await assert.rejects(nodeA.services.antiEntropy.syncWith(picky.peerId, 'verified'),
        (err: Error) => err instanceof SyncRefusedError && err.reason === 'unverified')
      assert.equal(picky.services.antiEntropy.stats.refused, 1)
      offA()
    } finally {
      await picky.stop()
    }
  })

  it('initiator side: a responder answering garbage rejects syncWith with MalformedSyncError-class errors', async () => {
    // A rogue handler on a third node answers every session with an undecodable frame.
    const rogue = await createTestNode({})
    try {
      await rogue.handle(ANTI_ENTROPY_PROTOCOL, (stream) => {
        const lp = lpStream(stream)
        void lp.read().then(async () => { await lp.write(Uint8Array.from([0x0a, 0xff])) }).catch(() => {})
      })
      await connect(nodeA, rogue)
      nodeA.services.antiEntropy.register('rogue', new MemorySyncStore())
      const before = nodeA.services.antiEntropy.stats.malformed
      await assert.rejects(nodeA.services.antiEntropy.syncWith(rogue.peerId, 'rogue'), (err: Error) => ['SyncDecodeError', MalformedSyncError.name].includes(err.name))
      assert.equal(nodeA.services.antiEntropy.stats.malformed, before + 1)
    } finally {
      nodeA.services.antiEntropy.unregister('rogue')
      await rogue.stop()
    }
  })
})
