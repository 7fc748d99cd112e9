import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  GossipStateView, toSyncEntry, fromSyncEntry
} from '../../../../src/mesh/core/gossip-state/index.js'
import type { GossipUpdate } from '../../../../src/mesh/core/gossip-state/index.js'
import { syncInMemory } from '../../../../src/mesh/core/anti-entropy/index.js'
import { decodeGossipUpdate, encodeGossipUpdate } from '../../../../src/mesh/pb/gossip-codec.js'

const A = '12D3KooWAlice'
const B = '12D3KooWBob'

describe('GossipStateView', () => {
  it('local updates bump the owner clock and appear in the snapshot', () => {
    const v = new GossipStateView(A)
    const u1 = v.update('load', 0.3)
    const u2 = v.update('zone', 'eu')
    const u3 = v.update('load', 0.5)
    assert.deepEqual([u1.version, u2.version, u3.version], [1, 2, 3])
    assert.deepEqual(u3, { owner: A, key: 'load', version: 3, deleted: false, value: 0.5 })
    assert.deepEqual(v.snapshot(), { [A]: { load: 0.5, zone: 'eu' } })
    assert.equal(v.get(A, 'load'), 0.5)
  })

  it('holds frozen copies: mutating the caller\'s object later changes neither the view nor the update to publish', () => {
    const v = new GossipStateView(A)
    const value = { list: [1, 2], nested: { x: 1 } }
    const u = v.update('obj', value)
    value.list.push(3)
    value.nested.x = 2
    assert.deepEqual(v.get(A, 'obj'), { list: [1, 2], nested: { x: 1 } })
    assert.deepEqual(u.value, { list: [1, 2], nested: { x: 1 } })
    assert.ok(Object.isFrozen(v.snapshot()[A]?.obj))
    const remote = { owner: B, key: 'r', version: 1, deleted: false, value: [{ a: 1 }] }
    v.applyRemote(remote)
    ;(remote.value[0] as { a: number }).a = 9
    assert.deepEqual(v.get(B, 'r'), [{ a: 1 }])
  })

  it('uses `now` as the version when it is ahead of the clock', () => {
    const v = new GossipStateView(A)
    assert.equal(v.update('k', 1, 1_700_000_000_000).version, 1_700_000_000_000)
    assert.equal(v.update('k', 2, 5).version, 1_700_000_000_001)
  })

  it('accepts a remote update iff it is newer for that (owner, key)', () => {
    const v = new GossipStateView(A)
    const u = (version: number, value: number): GossipUpdate => ({ owner: B, key: 'load', version, deleted: false, value })
    assert.equal(v.applyRemote(u(5, 1)), true)
    assert.equal(v.applyRemote(u(5, 1)), false, 'duplicate')
    assert.equal(v.applyRemote(u(4, 2)), false, 'older')
    assert.equal(v.applyRemote(u(7, 3)), true)
    assert.equal(v.get(B, 'load'), 3)
    assert.equal(v.versionOf(B, 'load'), 7)
  })

  it('deletions are tombstones that hide the key and beat older values', () => {
    const a = new GossipStateView(A)
    const b = new GossipStateView(B)
    const set = a.update('k', 'v')
    const del = a.delete('k')
    assert.equal(a.get(A, 'k'), undefined)
    assert.deepEqual(a.snapshot(), {})
    assert.equal(b.applyRemote(del), true)
    assert.equal(b.applyRemote(set), false, 'the older value must not resurrect the key')
    assert.equal(b.size, 1)
    assert.deepEqual(b.snapshot(), {})
  })

  it('reports each accepted change once, with origin and previous value', () => {
    const v = new GossipStateView(A)
    v.update('x', 1)
    v.applyRemote({ owner: B, key: 'y', version: 3, deleted: false, value: [1, 2] })
    v.applyRemote({ owner: B, key: 'y', version: 2, deleted: false, value: 'old' })
    v.applyRemote({ owner: B, key: 'y', version: 4, deleted: true })
    assert.deepEqual(v.takeChanges(), [
      { owner: A, key: 'x', version: 1, value: 1, previous: undefined, origin: 'local' },
      { owner: B, key: 'y', version: 3, value: [1, 2], previous: undefined, origin: 'remote' },
      { owner: B, key: 'y', version: 4, value: undefined, previous: [1, 2], origin: 'remote' }
    ])
    assert.deepEqual(v.takeChanges(), [])
  })

  it('own older writes coming back from peers move the clock past them', () => {
    const restarted = new GossipStateView(A)
    assert.equal(restarted.applyRemote({ owner: A, key: 'k', version: 40, deleted: false, value: 'before restart' }), true)
    assert.equal(restarted.update('k', 'after').version, 41)
    assert.equal(restarted.get(A, 'k'), 'after')
  })

  it('rejects bad values locally with named errors and drops bad remote updates', () => {
    const v = new GossipStateView(A, { maxValueBytes: 10 })
    assert.throws(() => v.update('k', 'x'.repeat(20)), { name: 'StateValueTooLargeError' })
    assert.throws(() => v.update('k', undefined as never), { name: 'InvalidStateValueError' })
    assert.throws(() => v.update('k', 1n as never), { name: 'InvalidStateValueError' })
    assert.throws(() => new GossipStateView('a/b'), { name: 'InvalidOwnerError' })
    assert.equal(v.applyRemote({ owner: B, key: 'k', version: 1, deleted: false, value: 'y'.repeat(20) }), false)
    assert.equal(v.applyRemote({ owner: B, key: 'k', version: 1, deleted: false }), false)
    assert.equal(v.applyRemote({ owner: 'x/y', key: 'k', version: 1, deleted: false, value: 1 }), false)
    assert.equal(v.applyRemote({ owner: B, key: 'k', version: 1.5, deleted: false, value: 1 }), false)
    assert.equal(v.size, 0)
  })

  it('is a SyncStore: anti-entropy reconciles two views, reporting changes with origin sync', () => {
    const a = new GossipStateView(A)
    const b = new GossipStateView(B)
    a.update('load', 0.1)
    a.update('nested', { ok: true, list: [1, null] })
    b.update('load', 0.9)
    b.delete('gone')
    const third = { owner: 'C', key: 'c/with/slash', version: 9, deleted: false, value: 'x' }
    a.applyRemote(third)
    a.takeChanges()
    b.takeChanges()
    const r = syncInMemory(a.syncStore, b.syncStore)
    assert.equal(r.completed, true)
    assert.deepEqual(a.snapshot(), b.snapshot())
    assert.deepEqual(b.snapshot(), { [A]: { load: 0.1, nested: { ok: true, list: [1, null] } }, [B]: { load: 0.9 }, C: { 'c/with/slash': 'x' } })
    assert.deepEqual(b.takeChanges().map(c => [c.owner, c.key, c.origin]).sort(), [[A, 'load', 'sync'], [A, 'nested', 'sync'], ['C', 'c/with/slash', 'sync']])
    assert.deepEqual(a.takeChanges().map(c => [c.owner, c.key, c.origin]).sort(), [[B, 'gone', 'sync'], [B, 'load', 'sync']])
    assert.equal(a.versionOf(B, 'gone'), 2)
    // a second round moves nothing
    const again = syncInMemory(b.syncStore, a.syncStore)
    assert.equal(again.messagesDelivered, 2)
  })

  it('SyncStore.apply refuses malformed and older entries', () => {
    const v = new GossipStateView(A)
    v.applyRemote({ owner: B, key: 'k', version: 5, deleted: false, value: 1 })
    assert.equal(v.syncStore.apply(toSyncEntry({ owner: B, key: 'k', version: 4, deleted: false, value: 2 })), false)
    assert.equal(v.syncStore.apply({ key: 'no-slash', version: new Uint8Array(8), payload: new Uint8Array([0, 49]) }), false)
    assert.equal(v.syncStore.apply({ key: `${B}/j`, version: new Uint8Array(8), payload: new Uint8Array([0, 123]) }), false)
    assert.equal(v.syncStore.apply({ key: `${B}/j`, version: new Uint8Array(8), payload: new Uint8Array([7]) }), false)
    assert.equal(v.get(B, 'k'), 1)
  })
})

describe('gossip update encoding', () => {
  const updates: GossipUpdate[] = [
    { owner: A, key: 'load', version: 1, deleted: false, value: 0.25 },
    { owner: A, key: 'a/b', version: Number.MAX_SAFE_INTEGER, deleted: false, value: { x: ['y', null, false] } },
    { owner: A, key: '', version: 0, deleted: false, value: null },
    { owner: B, key: 'gone', version: 12, deleted: true }
  ]

  it('round-trips through the SyncEntry mapping and the wire codec', () => {
    for (const u of updates) {
      assert.deepEqual(fromSyncEntry(toSyncEntry(u)), u)
      assert.deepEqual(decodeGossipUpdate(encodeGossipUpdate(u)), u)
    }
  })

  it('orders versions bytewise like numbers', () => {
    const low = toSyncEntry({ owner: A, key: 'k', version: 255, deleted: true }).version
    const high = toSyncEntry({ owner: A, key: 'k', version: 256, deleted: true }).version
    assert.ok(Buffer.compare(low, high) < 0)
  })

  it('rejects malformed bytes with GossipDecodeError', () => {
    assert.throws(() => decodeGossipUpdate(new Uint8Array([0x0a, 0x05, 0x61])), { name: 'GossipDecodeError' })
    assert.throws(() => decodeGossipUpdate(new Uint8Array(0)), { name: 'GossipDecodeError' })
  })
})
