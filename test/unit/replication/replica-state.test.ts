import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  clockFromJSON, deltaFromJSON, deltaToJSON, GCounter, ORSet, PNCounter, ReplicaState, updateBatchFromJSON, updateBatchToJSON, verifyDelta
} from '../../../src/replication/core/index.js'
import type { Delta, ReplicaStateInit, ResolverConfig, VectorClock, Version } from '../../../src/replication/core/index.js'

const resolvers: ResolverConfig = { prefixes: { 's/': { kind: 'keep-siblings', max: 3 }, 'm/': 'merge-union' } }
const replica = (nodeId: string, init: Partial<ReplicaStateInit> = {}): ReplicaState => new ReplicaState({ nodeId, resolvers, ...init })

/** Full anti-entropy in both directions. */
function sync (a: ReplicaState, b: ReplicaState): void {
  b.applyUpdates(a.getUpdatesSince(b.clock()))
  a.applyUpdates(b.getUpdatesSince(a.clock()))
}

describe('ReplicaState: local writes and reads', () => {
  it('reads back a write with its clock; a delete makes the key absent', () => {
    const a = replica('A')
    assert.equal(a.read('k'), undefined)
    const d = a.write('k', { n: 1 }, 1000)
    assert.equal(d.kind, 'register')
    assert.deepEqual(d.event, { node: 'A', counter: 1 })
    assert.deepEqual(a.read('k'), { value: { n: 1 }, clock: { A: 1 }, siblings: 1, capped: false })
    const del = a.delete('k', 1001)
    assert.equal(del.versions[0]?.deleted, true)
    assert.equal(a.read('k'), undefined)
    assert.deepEqual(a.clockOf('k'), { A: 2 })
    assert.deepEqual(a.clock(), { A: 2 })
  })

  it('copies written values so later mutation by the caller changes nothing', () => {
    const a = replica('A')
    const value = { list: [1] }
    a.write('k', value, 1)
    value.list.push(2)
    assert.deepEqual(a.read('k')?.value, { list: [1] })
    ;(a.read('k')?.value as { list: number[] }).list.push(3)
    assert.deepEqual(a.read('k')?.value, { list: [1] })
  })

  it('refuses values that are not JSON', () => {
    assert.throws(() => replica('A').write('k', Number.NaN, 1), { name: 'InvalidJsonValueError' })
  })
})

describe('ReplicaState: applying deltas', () => {
  it('reports applied, duplicate and obsolete', () => {
    const a = replica('A')
    const b = replica('B')
    const d1 = a.write('k', 'one', 1000)
    const d2 = a.write('k', 'two', 1001)
    assert.equal(b.applyDelta(d1).status, 'applied')
    assert.equal(b.applyDelta(d1).status, 'duplicate')
    assert.equal(b.applyDelta(d2).status, 'applied')
    const late = b.applyDelta(d1)
    assert.deepEqual(late, { status: 'obsolete', key: 'k', changed: false })
    assert.equal(b.read('k')?.value, 'two')
    const s = b.stats()
    assert.equal(s.applied, 2)
    assert.equal(s.duplicate, 1)
    assert.equal(s.obsolete, 1)
  })

  it('resolves concurrent writes the same way on both sides and counts the resolution', () => {
    const a = replica('A')
    const b = replica('B')
    const da = a.write('k', 'from-a', 1000)
    const db = b.write('k', 'from-b', 1000)
    assert.equal(a.applyDelta(db).status, 'conflict-resolved')
    assert.equal(b.applyDelta(da).status, 'conflict-resolved')
    // Equal wall time and counter: the greater node id wins under lww.
    assert.equal(a.read('k')?.value, 'from-b')
    assert.equal(b.read('k')?.value, 'from-b')
    assert.equal(a.checksum(), b.checksum())
    assert.deepEqual(a.stats().resolutions, { lww: 1 })
  })

  it('keeps siblings under keep-siblings until a write that has seen them replaces them', () => {
    const a = replica('A')
    const b = replica('B')
    const c = replica('C')
    for (const [r, v] of [[a, 'x'], [b, 'y']] as const) c.applyDelta(r.write('s/k', v, 1000))
    assert.deepEqual(c.read('s/k')?.value, ['x', 'y'])
    assert.equal(c.read('s/k')?.siblings, 2)
    const d = c.write('s/k', 'z', 1001)
    assert.equal(d.versions.length, 1)
    a.applyDelta(d)
    assert.deepEqual(a.read('s/k')?.value, ['z'])
  })

  it('with a stale read context, replaces only what was read', () => {
    const a = replica('A')
    const b = replica('B')
    a.write('s/k', 'x', 1000)
    const seen = a.read('s/k')?.clock as VectorClock
    a.applyDelta(b.write('s/k', 'y', 1000))
    a.write('s/k', 'x2', 1001, { context: seen })
    assert.deepEqual(a.read('s/k')?.value, ['y', 'x2'])
  })

  it('bounds siblings: a write over the cap also supersedes the oldest it has seen', () => {
    const writers = ['A', 'B', 'C', 'D', 'E'].map(id => replica(id))
    const hub = replica('H')
    writers.forEach((w, i) => hub.applyDelta(w.write('s/k', `v${i}`, 1000 + i)))
    const before = hub.read('s/k')
    assert.equal(before?.siblings, 5)
    assert.equal(before?.capped, true)
    assert.deepEqual(before?.value, ['v2', 'v3', 'v4'])
    const stale = hub.read('s/k')?.clock as VectorClock
    writers[0]?.applyDelta(hub.write('s/k', 'w', 2000, { context: { A: stale.A as number } }))
    const entry = hub.entry('s/k')
    assert.equal(entry?.kind === 'register' ? entry.versions.length : -1, 3)
    assert.equal(hub.stats().siblingsDropped, 2)
    assert.deepEqual(hub.read('s/k')?.value, ['v3', 'v4', 'w'])
    assert.deepEqual(writers[0]?.read('s/k')?.value, ['v3', 'v4', 'w'])
  })

  it('rejects a delta whose checksum does not match and changes nothing', () => {
    const a = replica('A')
    const b = replica('B')
    const d = a.write('k', 'good', 1000)
    if (d.kind !== 'register') throw new Error('expected a register delta')
    const forged: Delta = { ...d, versions: [{ ...(d.versions[0] as Version), value: 'evil' }] }
    assert.equal(verifyDelta(forged), false)
    assert.deepEqual(b.applyDelta(forged), { status: 'rejected-checksum', key: 'k', changed: false })
    assert.equal(b.read('k'), undefined)
    assert.deepEqual(b.clock(), {})
    assert.equal(b.stats().rejectedChecksum, 1)
  })

  it('rejects a delta stamped too far in the future when given the local time', () => {
    const a = replica('A')
    const b = replica('B', { maxDriftMs: 5000 })
    const d = a.write('k', 'future', 100_000)
    assert.equal(b.applyDelta(d, { nowMs: 90_000 }).status, 'rejected-clock-drift')
    assert.equal(b.applyDelta(d, { nowMs: 96_000 }).status, 'applied')
  })

  it('orders a write after every version it has received (HLC follows causality)', () => {
    const a = replica('A')
    const b = replica('B')
    b.applyDelta(a.write('k', 'a-future', 50_000))
    b.write('k', 'b-after', 1000)
    assert.equal(b.read('k')?.value, 'b-after')
    const hlc = b.lastHlc()
    assert.ok(hlc.wallMs >= 50_000)
  })

  it('round-trips deltas through their JSON wire form', () => {
    const a = replica('A')
    const b = replica('B')
    const d = a.write('m/k', { tags: ['x'] }, 1000)
    const wire = deltaFromJSON(JSON.parse(JSON.stringify(deltaToJSON(d))))
    assert.ok(verifyDelta(wire))
    assert.equal(b.applyDelta(wire).status, 'applied')
    const c = a.mutateCrdt('c', PNCounter, (s, actor) => PNCounter.increment(s, actor.node, 2), 1001)
    assert.equal(b.applyDelta(deltaFromJSON(JSON.parse(JSON.stringify(deltaToJSON(c))))).status, 'applied')
    assert.equal(b.read('c')?.value, 2)
    assert.throws(() => deltaFromJSON({ kind: 'nope', key: 'k', origin: 'A', checksum: '', hlc: { wallMs: 1, logical: 0, node: 'A' } }), { name: 'InvalidStateError' })
  })
})

describe('ReplicaState: summary clock and anti-entropy', () => {
  it('advances the summary only over contiguous events', () => {
    const a = replica('A')
    const b = replica('B')
    const d1 = a.write('x', 1, 1)
    const d2 = a.write('y', 2, 2)
    const d3 = a.write('z', 3, 3)
    b.applyDelta(d3)
    b.applyDelta(d1)
    assert.deepEqual(b.clock(), { A: 1 })
    b.applyDelta(d2)
    assert.deepEqual(b.clock(), { A: 3 })
  })

  it('sends only current entries the caller lacks, then nothing', () => {
    const a = replica('A')
    const b = replica('B')
    for (let i = 0; i < 5; i++) a.write('same', i, 1000 + i)
    a.write('other', 'o', 2000)
    const first = a.getUpdatesSince(b.clock())
    assert.deepEqual(first.deltas.map(d => d.key), ['other', 'same'], 'one current entry per key, not its history')
    assert.equal(b.applyUpdates(first).clockAdvanced, true)
    assert.deepEqual(b.clock(), a.clock())
    assert.equal(b.read('same')?.value, 4)
    a.write('new', 'n', 3000)
    assert.deepEqual(a.getUpdatesSince(b.clock()).deltas.map(d => d.key), ['new'])
    b.applyUpdates(a.getUpdatesSince(b.clock()))
    assert.equal(a.getUpdatesSince(b.clock()).deltas.length, 0)
    assert.equal(a.checksum(), b.checksum())
  })

  it('fills a summary gap left by a lost delta at the next anti-entropy exchange', () => {
    const a = replica('A')
    const b = replica('B')
    a.write('lost', 1, 1)
    b.applyDelta(a.write('seen', 2, 2))
    assert.deepEqual(b.clock(), {})
    b.applyUpdates(a.getUpdatesSince(b.clock()))
    assert.deepEqual(b.clock(), { A: 2 })
    assert.equal(b.read('lost')?.value, 1)
  })

  it('carries a batch through its JSON form (GET /v1/data?since=)', () => {
    const a = replica('A')
    const b = replica('B')
    a.write('k', { v: 1 }, 1)
    a.mutateCrdt('c', GCounter, (s, x) => GCounter.increment(s, x.node, 3), 2)
    const wire = updateBatchFromJSON(JSON.parse(JSON.stringify(updateBatchToJSON(a.getUpdatesSince(clockFromJSON('{}'))))))
    assert.equal(b.applyUpdates(wire).clockAdvanced, true)
    assert.equal(b.checksum(), a.checksum())
    assert.throws(() => updateBatchFromJSON({ origin: 'A', deltas: 'x' }), { name: 'InvalidStateError' })
  })

  it('does not adopt the responder clock when the batch was for a clock it does not cover', () => {
    const a = replica('A')
    const b = replica('B')
    a.write('k', 1, 1)
    a.write('j', 2, 2)
    const batch = a.getUpdatesSince({ A: 1 })
    assert.equal(b.applyUpdates(batch).clockAdvanced, false)
    assert.deepEqual(b.clock(), {})
  })

  it('converges two replicas that diverged while partitioned', () => {
    const a = replica('A')
    const b = replica('B')
    a.write('m/cart', ['apple'], 1000)
    b.write('m/cart', ['pear'], 1001)
    a.delete('gone', 1002)
    b.write('gone', 'back', 900)
    a.mutateCrdt('hits', GCounter, (s, x) => GCounter.increment(s, x.node, 2), 1003)
    b.mutateCrdt('hits', GCounter, (s, x) => GCounter.increment(s, x.node, 5), 1003)
    sync(a, b)
    assert.equal(a.checksum(), b.checksum())
    assert.deepEqual(a.read('m/cart')?.value, ['apple', 'pear'])
    assert.equal(a.read('hits')?.value, 7)
    assert.equal(a.read('gone'), undefined)
  })
})

describe('ReplicaState: tombstone collection', () => {
  it('collects only when every member has acknowledged the tombstone', () => {
    const a = replica('A')
    const b = replica('B')
    const c = replica('C')
    const write = a.write('k', 'v', 1)
    const del = a.delete('k', 2)
    for (const r of [b, c]) for (const d of [write, del]) r.applyDelta(d)
    const members = ['A', 'B', 'C']
    assert.deepEqual(a.collectGarbage({ B: b.clock() }, members), [], 'C has not acknowledged')
    assert.deepEqual(a.collectGarbage({ B: b.clock(), C: { A: 1 } }, members), [], 'C has not seen the delete')
    assert.deepEqual(a.collectGarbage({ B: b.clock(), C: c.clock() }, members), ['k'])
    assert.equal(a.entry('k'), undefined)
    assert.equal(a.stats().tombstonesCollected, 1)
  })

  it('waits for writes concurrent with the delete before collecting it', () => {
    const a = replica('A')
    const b = replica('B')
    const c = replica('C')
    const w0 = a.write('k', 'v', 1)
    b.applyDelta(w0)
    c.applyDelta(w0)
    const concurrent = b.write('k', 'late', 1) // B writes before it sees the delete
    const del = a.delete('k', 5)
    b.applyDelta(del)
    c.applyDelta(del)
    // Everyone has seen the delete, but C has not yet received B's concurrent write.
    const acks = { A: a.clock(), B: b.clock() }
    assert.deepEqual(c.collectGarbage(acks, ['A', 'B', 'C']), [], 'C must first see every event B had issued')
    c.applyDelta(concurrent)
    a.applyDelta(concurrent)
    assert.equal(c.read('k')?.value, undefined, 'lww: the delete is newer')
    assert.equal(c.checksum(), a.checksum())
  })

  it('does not let a write with a stale context keep a tombstone another replica has collected', () => {
    const a = replica('A')
    const b = replica('B')
    const c = replica('C')
    for (const d of [a.write('s/k', 'v', 1), a.delete('s/k', 2)]) for (const r of [b, c]) r.applyDelta(d)
    const acks = { A: a.clock(), B: b.clock(), C: c.clock() }
    assert.deepEqual(a.collectGarbage(acks, ['A', 'B', 'C']), ['s/k'])
    // B has not collected yet; a client writes through B with an empty (stale) context.
    const w = b.write('s/k', 'new', 3, { context: {} })
    for (const r of [a, c]) r.applyDelta(w)
    for (const r of [a, b, c]) assert.deepEqual(r.read('s/k')?.value, ['new'])
    // Checksums compare replicas that have collected up to the same point.
    for (const r of [b, c]) r.collectGarbage(acks, ['A', 'B', 'C'])
    assert.equal(b.checksum(), a.checksum())
    assert.equal(c.checksum(), a.checksum())
    const entry = c.entry('s/k')
    assert.equal(entry?.kind === 'register' ? entry.versions.length : -1, 1)
  })

  it('never resurrects a collected key from a stale delta', () => {
    const a = replica('A')
    const b = replica('B')
    const write = a.write('k', 'v', 1)
    b.applyDelta(write)
    b.applyDelta(a.delete('k', 2))
    assert.deepEqual(b.collectGarbage({ A: a.clock() }, ['A', 'B']), ['k'])
    assert.equal(b.applyDelta(write).status, 'obsolete')
    assert.equal(b.read('k'), undefined)
    assert.equal(b.entry('k'), undefined)
  })
})

describe('ReplicaState: CRDT-valued keys', () => {
  it('merges counters and sets by their CRDT join, not by a resolver', () => {
    const a = replica('A')
    const b = replica('B')
    const da = a.mutateCrdt('tags', ORSet, (s, x) => ORSet.add(s, x.node, 'red'), 1)
    const db = b.mutateCrdt('tags', ORSet, (s, x) => ORSet.add(s, x.node, 'blue'), 1)
    assert.equal(a.applyDelta(db).status, 'conflict-resolved')
    b.applyDelta(da)
    assert.deepEqual(a.read('tags'), { value: ['blue', 'red'], clock: { A: 1, B: 1 }, siblings: 1, capped: false, crdtType: 'or-set' })
    assert.equal(a.checksum(), b.checksum())
    assert.deepEqual(a.stats().resolutions, { crdt: 1 })
  })

  it('loses no increment when deltas are dropped, repaired by anti-entropy', () => {
    const a = replica('A')
    const b = replica('B')
    for (let i = 0; i < 10; i++) {
      const d = a.mutateCrdt('c', PNCounter, (s, x) => PNCounter.increment(s, x.node, i % 2 === 0 ? 3 : -1), i)
      if (i % 3 === 0) b.applyDelta(d)
    }
    assert.notEqual(b.read('c')?.value, a.read('c')?.value)
    b.applyUpdates(a.getUpdatesSince(b.clock()))
    assert.equal(b.read('c')?.value, 10)
    assert.equal(a.read('c')?.value, 10)
  })

  it('refuses an operation of the wrong kind with CrdtTypeMismatchError', () => {
    const a = replica('A')
    a.write('plain', 1, 1)
    a.mutateCrdt('count', GCounter, (s, x) => GCounter.increment(s, x.node), 1)
    assert.throws(() => a.mutateCrdt('plain', GCounter, (s, x) => GCounter.increment(s, x.node), 2), { name: 'CrdtTypeMismatchError' })
    assert.throws(() => a.write('count', 1, 2), { name: 'CrdtTypeMismatchError' })
    assert.throws(() => a.mutateCrdt('count', PNCounter, (s, x) => PNCounter.increment(s, x.node), 2), { name: 'CrdtTypeMismatchError' })
  })

  it('settles a key written as a value on one replica and as a CRDT on another the same way everywhere', () => {
    const a = replica('A')
    const b = replica('B')
    const plain = a.write('k', 'text', 1)
    const counter = b.mutateCrdt('k', GCounter, (s, x) => GCounter.increment(s, x.node, 4), 1)
    a.applyDelta(counter)
    b.applyDelta(plain)
    assert.equal(a.read('k')?.value, 4)
    assert.equal(b.read('k')?.value, 4)
    assert.equal(a.checksum(), b.checksum())
    assert.equal(a.stats().typeConflicts, 1)
  })
})

describe('ReplicaState: persistence', () => {
  it('restores from its meta and entries and never reuses a dot', () => {
    const a = replica('A')
    a.write('k', 'v1', 1000)
    a.write('s/k', 'x', 1001)
    a.mutateCrdt('c', GCounter, (s, x) => GCounter.increment(s, x.node, 2), 1002)
    a.applyDelta(replica('B').write('k', 'from-b', 5000))
    const meta = JSON.parse(JSON.stringify(a.meta()))
    const entries = a.keys().map(k => [k, JSON.parse(JSON.stringify(a.entry(k)))] as const)
    const r = ReplicaState.restore({ nodeId: 'A', resolvers }, meta, entries)
    assert.equal(r.checksum(), a.checksum())
    assert.deepEqual(r.clock(), a.clock())
    assert.deepEqual(r.read('k'), a.read('k'))
    const next = r.write('k', 'v2', 1)
    assert.deepEqual(next.event, { node: 'A', counter: 4 })
    assert.ok(next.hlc.wallMs >= 5000, 'the restored HLC continues after what it had observed')
    assert.throws(() => ReplicaState.restore({ nodeId: 'Z' }, meta, []), { name: 'InvalidStateError' })
  })
})
