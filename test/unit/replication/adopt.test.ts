import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PNCounter, ReplicaState, signDelta } from '../../../src/replication/core/index.js'
import type { AdoptOutcome, Delta, ResolverConfig } from '../../../src/replication/core/index.js'

const resolvers: ResolverConfig = { prefixes: { 's/': { kind: 'keep-siblings', max: 3 }, 'm/': 'merge-union' } }
const replica = (nodeId: string): ReplicaState => new ReplicaState({ nodeId, resolvers })

/** Full anti-entropy in both directions. */
function sync (a: ReplicaState, b: ReplicaState): void {
  b.applyUpdates(a.getUpdatesSince(b.clock()))
  a.applyUpdates(b.getUpdatesSince(a.clock()))
}

function syncAll (rs: readonly ReplicaState[]): void {
  for (let round = 0; round < 2; round++) for (const a of rs) for (const b of rs) if (a !== b) sync(a, b)
}

/** What a replica's partition recovery does: adopt every entry of the peer's full state, then its absences. */
function adopt (r: ReplicaState, peer: ReplicaState, nowMs: number): { outcomes: AdoptOutcome[], deleted: number } {
  const since = r.lastHlc()
  const batch = peer.getUpdatesSince({})
  const outcomes = batch.deltas.map(d => r.adoptDelta(d, nowMs))
  const absent = r.adoptAbsence(new Set(batch.deltas.map(d => d.key)), since, nowMs)
  return { outcomes, deleted: absent.deltas.length }
}

const count = (outcomes: readonly AdoptOutcome[], what: AdoptOutcome['outcome']): number => outcomes.filter(o => o.outcome === what).length

describe('ReplicaState: reset-to-known-good (adoptDelta, adoptAbsence)', () => {
  it('replaces minority writes made during a partition by the majority values, and every replica converges on them', () => {
    const [a, b, m, n] = ['A', 'B', 'M', 'N'].map(replica) as [ReplicaState, ReplicaState, ReplicaState, ReplicaState]
    const all = [a, b, m, n]
    let t = 1000
    for (const k of ['k1', 'k2', 'k3', 'm/list']) a.write(k, k === 'm/list' ? ['x'] : 'before', t++)
    syncAll(all)

    // Partition {A, B} | {M, N}. The minority writes later (newer HLCs), so LWW alone would keep its values.
    a.write('k2', 'majority', t++)
    b.write('k5', 'majority-new', t++)
    sync(a, b)
    m.write('k1', 'minority', t += 10)
    m.delete('k3', t++)
    n.write('k2', 'minority', t++)
    n.write('k4', 'minority-only', t++)
    n.write('m/list', ['y'], t++)
    sync(m, n)
    assert.equal(m.read('k2')?.value, 'minority')

    // Heal: M adopts A's state (N has not adopted; its writes reach everyone through M and sync).
    const { outcomes, deleted } = adopt(m, a, t++)
    assert.equal(count(outcomes, 'refused'), 0)
    assert.equal(count(outcomes, 'reset'), 4, 'k1, k2, k3 and m/list reset to the majority values')
    assert.equal(deleted, 1, 'k4 is not held by the majority')
    assert.equal(m.read('k1')?.value, 'before')
    assert.equal(m.read('k2')?.value, 'majority')
    assert.equal(m.read('k3')?.value, 'before')
    assert.deepEqual(m.read('m/list')?.value, ['x'])
    assert.equal(m.read('k4'), undefined)
    assert.equal(m.read('k5')?.value, 'majority-new')

    syncAll([n, b, m, a])
    const expected = { k1: 'before', k2: 'majority', k3: 'before', k4: undefined, k5: 'majority-new', 'm/list': ['x'] }
    for (const r of all) {
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(r.read(k)?.value, v, `${k} on ${r.nodeId}`)
      assert.equal(r.checksum(), a.checksum())
    }
  })

  it('the corrections replicate as ordinary deltas: a majority replica that already merged the minority writes comes back', () => {
    const a = replica('A')
    const m = replica('M')
    a.write('k', 'before', 1000)
    sync(a, m)
    const known = a.getUpdatesSince({})
    const stale = m.write('k', 'minority', 2000)
    // The peer's state as it was before it merged anything of the minority's.
    const out = known.deltas.map(d => m.adoptDelta(d, 2001))
    assert.equal(out[0]?.outcome, 'reset')
    a.applyDelta(stale)
    assert.equal(a.read('k')?.value, 'minority')
    assert.equal(a.applyDelta(out[0]?.correction as Delta).changed, true)
    assert.equal(a.read('k')?.value, 'before')
    // Whatever the order: the stale write arriving after the correction changes nothing.
    const c = replica('C')
    c.applyDelta(out[0]?.correction as Delta)
    assert.equal(c.applyDelta(stale).changed, false)
    assert.equal(c.read('k')?.value, 'before')
  })

  it('keeps keys already equal, leaves absent keys written after the adoption began, merges CRDT keys', () => {
    const a = replica('A')
    const m = replica('M')
    a.write('same', 1, 1000)
    a.mutateCrdt('hits', PNCounter, (s, actor) => PNCounter.increment(s, actor.node, 2), 1001)
    sync(a, m)
    m.mutateCrdt('hits', PNCounter, (s, actor) => PNCounter.increment(s, actor.node, 5), 1002)
    const since = m.lastHlc()
    m.write('fresh', 'written while adopting', 1003)
    const batch = a.getUpdatesSince({})
    const outcomes = batch.deltas.map(d => m.adoptDelta(d, 1004))
    assert.deepEqual(outcomes.map(o => [o.result.key, o.outcome]).sort(), [['hits', 'merged'], ['same', 'kept']])
    assert.ok(outcomes.every(o => o.correction === undefined))
    const absent = m.adoptAbsence(new Set(batch.deltas.map(d => d.key)), since, 1005)
    assert.equal(absent.deltas.length, 0)
    assert.equal(m.read('fresh')?.value, 'written while adopting')
    assert.equal(m.read('hits')?.value, 7)
  })

  it('refuses a forged delta and changes nothing', () => {
    const a = replica('A')
    const m = replica('M')
    m.write('k', 'minority', 1000)
    const d = a.write('k', 'majority', 900)
    const forged = { ...d, versions: d.versions.map(v => ({ ...v, value: 'forged' })) } as Delta
    const out = m.adoptDelta(forged, 1001)
    assert.equal(out.outcome, 'refused')
    assert.equal(out.result.status, 'rejected-checksum')
    assert.equal(m.read('k')?.value, 'minority')
    // Re-signed, the same content is adopted.
    assert.equal(m.adoptDelta(signDelta({ ...forged, checksum: undefined } as never), 1002).outcome, 'reset')
    assert.equal(m.read('k')?.value, 'forged')
  })

  it('leaves keep-siblings keys with several live siblings on the peer merged, and resets those with one', () => {
    const a = replica('A')
    const b = replica('B')
    const m = replica('M')
    a.write('s/many', 'a', 1000)
    b.write('s/many', 'b', 1001)
    a.write('s/one', 'a', 1002)
    sync(a, b)
    m.write('s/one', 'minority', 1003)
    const outcomes = a.getUpdatesSince({}).deltas.map(d => m.adoptDelta(d, 1004))
    const byKey = Object.fromEntries(outcomes.map(o => [o.result.key, o.outcome]))
    assert.deepEqual(byKey, { 's/many': 'merged', 's/one': 'reset' })
    assert.deepEqual(m.read('s/one')?.value, ['a'])
    assert.deepEqual(m.read('s/many')?.value, ['a', 'b'])
  })
})
