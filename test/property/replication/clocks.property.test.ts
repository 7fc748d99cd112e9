import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  clockLeq, compareClocks, compareHlc, HybridLogicalClock, mergeClocks, normalizeClock
} from '../../../src/replication/core/index.js'
import type { Hlc, VectorClock } from '../../../src/replication/core/index.js'

const node = fc.constantFrom('a', 'b', 'c', 'd')
const clock: fc.Arbitrary<VectorClock> = fc.dictionary(node, fc.nat({ max: 5 }))
const hlc: fc.Arbitrary<Hlc> = fc.record({ wallMs: fc.nat({ max: 20 }), logical: fc.nat({ max: 3 }), node })
const same = (a: VectorClock, b: VectorClock): boolean => compareClocks(a, b) === 'equal'
const mirror = { before: 'after', after: 'before', equal: 'equal', concurrent: 'concurrent' } as const

describe('vector clock laws', () => {
  it('compare is antisymmetric', () => {
    fc.assert(fc.property(clock, clock, (a, b) => compareClocks(b, a) === mirror[compareClocks(a, b)]))
  })

  it('compare agrees with merge: a ≤ b exactly when merge(a, b) = b', () => {
    fc.assert(fc.property(clock, clock, (a, b) => {
      const order = compareClocks(a, b)
      const m = mergeClocks(a, b)
      assert.equal(order === 'before' || order === 'equal', same(m, b))
      assert.equal(clockLeq(a, b), order === 'before' || order === 'equal')
      assert.ok(['before', 'equal'].includes(compareClocks(a, m)))
      assert.ok(['before', 'equal'].includes(compareClocks(b, m)))
    }))
  })

  it('compare equal means the same normal form', () => {
    fc.assert(fc.property(clock, clock, (a, b) => {
      assert.equal(same(a, b), JSON.stringify(Object.entries(normalizeClock(a)).sort()) === JSON.stringify(Object.entries(normalizeClock(b)).sort()))
    }))
  })

  it('merge is commutative, associative and idempotent', () => {
    fc.assert(fc.property(clock, clock, clock, (a, b, c) => {
      assert.ok(same(mergeClocks(a, b), mergeClocks(b, a)))
      assert.ok(same(mergeClocks(mergeClocks(a, b), c), mergeClocks(a, mergeClocks(b, c))))
      assert.ok(same(mergeClocks(a, a), a))
    }))
  })

  it('compare is transitive on before', () => {
    fc.assert(fc.property(clock, clock, clock, (a, b, c) => {
      if (compareClocks(a, b) === 'before' && compareClocks(b, c) === 'before') assert.equal(compareClocks(a, c), 'before')
    }))
  })
})

describe('hybrid logical clock laws', () => {
  it('orders timestamps totally and consistently', () => {
    fc.assert(fc.property(hlc, hlc, hlc, (a, b, c) => {
      assert.equal(Math.sign(compareHlc(a, b)) + Math.sign(compareHlc(b, a)), 0)
      assert.equal(compareHlc(a, b) === 0, a.wallMs === b.wallMs && a.logical === b.logical && a.node === b.node)
      if (compareHlc(a, b) < 0 && compareHlc(b, c) < 0) assert.ok(compareHlc(a, c) < 0)
    }))
  })

  it('issues strictly increasing timestamps that exceed everything received, whatever physical time does', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('now' as const), physical: fc.nat({ max: 100 }) }),
      fc.record({ kind: fc.constant('receive' as const), physical: fc.nat({ max: 100 }), remote: fc.record({ wallMs: fc.nat({ max: 150 }), logical: fc.nat({ max: 5 }), node: fc.constantFrom('x', 'y') }) })
    )
    fc.assert(fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
      const c = new HybridLogicalClock('a', { maxDriftMs: 1000 })
      let last: Hlc | undefined
      for (const s of steps) {
        const t = s.kind === 'now' ? c.now(s.physical) : c.receive(s.remote, s.physical)
        if (last !== undefined) assert.ok(compareHlc(t, last) > 0)
        if (s.kind === 'receive') assert.ok(compareHlc(t, s.remote) > 0)
        assert.ok(t.wallMs >= s.physical)
        last = t
      }
    }))
  })
})
