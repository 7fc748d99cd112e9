import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  crdtDefinition, CRDT_TYPES, GCounter, joinCrdtJSON, LWWMap, LWWRegister, MVRegister, ORSet, PNCounter
} from '../../../src/replication/core/index.js'
import type { Hlc } from '../../../src/replication/core/index.js'

const t = (wallMs: number, node: string): Hlc => ({ wallMs, logical: 0, node })
const roundTrip = <S>(def: { toJSON(s: S): unknown, fromJSON(j: unknown): S }, s: S): S => def.fromJSON(JSON.parse(JSON.stringify(def.toJSON(s))))

describe('G-Counter', () => {
  it('sums per-node totals; an increment returns a delta that joins like a state', () => {
    let a = GCounter.empty()
    let b = GCounter.empty()
    const d1 = GCounter.increment(a, 'a', 3)
    a = GCounter.join(a, d1)
    const d2 = GCounter.increment(b, 'b', 4)
    b = GCounter.join(b, d2)
    a = GCounter.join(a, d2)
    b = GCounter.join(GCounter.join(b, d1), d1)
    assert.equal(GCounter.value(a), 7)
    assert.deepEqual(a, b)
    assert.deepEqual(roundTrip(GCounter, a), a)
  })

  it('refuses negative or fractional increments', () => {
    assert.throws(() => GCounter.increment({}, 'a', -1), { name: 'InvalidCrdtOperationError' })
    assert.throws(() => GCounter.increment({}, 'a', 0.5), { name: 'InvalidCrdtOperationError' })
    assert.throws(() => GCounter.fromJSON({ a: -2 }), { name: 'InvalidStateError' })
  })
})

describe('PN-Counter', () => {
  it('counts up and down across replicas', () => {
    let a = PNCounter.empty()
    let b = PNCounter.empty()
    const ops = [PNCounter.increment(a, 'a', 10), PNCounter.decrement(b, 'b', 3), PNCounter.increment(a, 'a', -2)]
    a = PNCounter.join(a, ops[0] as never)
    a = PNCounter.join(a, PNCounter.increment(a, 'a', -2))
    b = PNCounter.join(b, ops[1] as never)
    const merged = PNCounter.join(a, b)
    assert.equal(PNCounter.value(merged), 5)
    assert.deepEqual(roundTrip(PNCounter, merged), merged)
  })
})

describe('LWW-Register', () => {
  it('keeps the value with the greatest HLC; node id breaks ties', () => {
    const x = LWWRegister.set(LWWRegister.empty(), 'x', t(5, 'a'))
    const y = LWWRegister.set(LWWRegister.empty(), 'y', t(5, 'b'))
    const z = LWWRegister.set(LWWRegister.empty(), 'z', t(4, 'z'))
    assert.equal(LWWRegister.value(LWWRegister.join(LWWRegister.join(x, y), z)), 'y')
    assert.equal(LWWRegister.value(LWWRegister.join(z, LWWRegister.join(y, x))), 'y')
    assert.equal(LWWRegister.value(LWWRegister.empty()), null)
    assert.deepEqual(roundTrip(LWWRegister, y), y)
  })
})

describe('MV-Register', () => {
  it('keeps concurrent values and lets a later write replace those it saw', () => {
    const base = MVRegister.empty()
    const a = MVRegister.join(base, MVRegister.set(base, 'a', 'x'))
    const b = MVRegister.join(base, MVRegister.set(base, 'b', 'y'))
    const both = MVRegister.join(a, b)
    assert.deepEqual(MVRegister.value(both), ['x', 'y'])
    const resolved = MVRegister.join(both, MVRegister.set(both, 'a', 'z'))
    assert.deepEqual(MVRegister.value(resolved), ['z'])
    assert.deepEqual(MVRegister.value(MVRegister.join(resolved, b)), ['z'])
    assert.deepEqual(roundTrip(MVRegister, resolved), resolved)
  })
})

describe('OR-Set', () => {
  it('adds and removes elements, compared as JSON values', () => {
    let s = ORSet.empty()
    s = ORSet.join(s, ORSet.add(s, 'a', { id: 1 }))
    s = ORSet.join(s, ORSet.add(s, 'a', 'b'))
    assert.ok(ORSet.has(s, { id: 1 }))
    s = ORSet.join(s, ORSet.remove(s, { id: 1 }))
    assert.deepEqual(ORSet.value(s), ['b'])
  })

  it('lets a concurrent add win over a remove (add-wins)', () => {
    let base = ORSet.empty()
    base = ORSet.join(base, ORSet.add(base, 'a', 'x'))
    const removed = ORSet.join(base, ORSet.remove(base, 'x'))
    const readded = ORSet.join(base, ORSet.add(base, 'b', 'x'))
    assert.deepEqual(ORSet.value(ORSet.join(removed, readded)), ['x'])
    assert.deepEqual(ORSet.value(ORSet.join(readded, removed)), ['x'])
  })

  it('removes without tombstones: no entry remains for a removed element', () => {
    let s = ORSet.empty()
    for (let i = 0; i < 50; i++) s = ORSet.join(s, ORSet.add(s, 'a', i))
    for (let i = 0; i < 50; i++) s = ORSet.join(s, ORSet.remove(s, i))
    assert.equal(s.entries.length, 0)
    assert.deepEqual(s.context, { vv: { a: 50 }, cloud: [] })
    assert.deepEqual(roundTrip(ORSet, s), s)
  })

  it('does not resurrect a removed element when an old add arrives again', () => {
    let s = ORSet.empty()
    const add = ORSet.add(s, 'a', 'x')
    s = ORSet.join(s, add)
    s = ORSet.join(s, ORSet.remove(s, 'x'))
    assert.deepEqual(ORSet.value(ORSet.join(s, add)), [])
  })
})

describe('LWW-Map', () => {
  it('sets and removes fields by last writer', () => {
    let m = LWWMap.empty()
    m = LWWMap.join(m, LWWMap.set(m, 'a', 1, t(1, 'n')))
    m = LWWMap.join(m, LWWMap.set(m, 'b', 2, t(2, 'n')))
    m = LWWMap.join(m, LWWMap.remove(m, 'a', t(3, 'n')))
    const late = LWWMap.set(LWWMap.empty(), 'a', 9, t(2, 'm'))
    m = LWWMap.join(m, late)
    assert.deepEqual(LWWMap.value(m), { b: 2 })
    assert.equal(LWWMap.get(m, 'a'), undefined)
    assert.equal(LWWMap.get(m, 'b'), 2)
    assert.deepEqual(roundTrip(LWWMap, m), m)
  })

  it('stores a __proto__ field as plain data', () => {
    const m = LWWMap.set(LWWMap.empty(), '__proto__', 1, t(1, 'n'))
    const v = LWWMap.value(m)
    assert.equal(Object.getPrototypeOf(v), Object.prototype)
    assert.deepEqual(Object.keys(v), ['__proto__'])
  })
})

describe('CRDT registry', () => {
  it('exposes every type with a JSON join', () => {
    for (const type of CRDT_TYPES) {
      const def = crdtDefinition(type)
      assert.equal(def.type, type)
      assert.deepEqual(def.fromJSON(def.toJSON(def.empty())), def.empty())
    }
    assert.deepEqual(joinCrdtJSON('g-counter', { a: 1 }, { a: 3, b: 1 }), { a: 3, b: 1 })
    assert.throws(() => crdtDefinition('nope'), { name: 'InvalidStateError' })
  })
})
