import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { decideFormation, learnerToPromote } from '../../../../src/consensus/raft-service/formation.js'
import type { ClusterInfo } from '../../../../src/consensus/raft-service/formation.js'

const info = (peer: string, proposal: string[] = [], voters: string[] = [], leader = ''): ClusterInfo => ({ peer, voters, learners: [], leader, proposal })

describe('cluster formation decision', () => {
  it('waits until N nodes are seen, then proposes the N smallest', () => {
    assert.deepEqual(decideFormation('b', 3, [info('c')]), { action: 'wait', proposal: [] })
    assert.deepEqual(decideFormation('b', 3, [info('c'), info('a')]), { action: 'wait', proposal: ['a', 'b', 'c'] })
  })

  it('bootstraps only when every chosen peer proposes the same set', () => {
    assert.deepEqual(decideFormation('b', 3, [info('c', ['a', 'b', 'c']), info('a', ['a', 'b', 'c'])]), { action: 'bootstrap', voters: ['a', 'b', 'c'] })
    assert.equal(decideFormation('b', 3, [info('c', ['b', 'c', 'd']), info('a', ['a', 'b', 'c'])]).action, 'wait')
  })

  it('a node that sees only part of the mesh adopts the members of its peers\' proposals', () => {
    // A leaf of a star sees only the hub, which proposes all five.
    assert.deepEqual(decideFormation('e', 5, [info('a', ['a', 'b', 'c', 'd', 'e'])]), { action: 'wait', proposal: ['a', 'b', 'c', 'd', 'e'] })
    const hub = decideFormation('a', 5, ['b', 'c', 'd', 'e'].map(p => info(p, ['a', 'b', 'c', 'd', 'e'])))
    assert.deepEqual(hub, { action: 'bootstrap', voters: ['a', 'b', 'c', 'd', 'e'] })
  })

  it('a node outside the N smallest never bootstraps; any node joins an existing cluster', () => {
    assert.equal(decideFormation('d', 3, [info('a', ['a', 'b', 'c']), info('b', ['a', 'b', 'c']), info('c', ['a', 'b', 'c'])]).action, 'wait')
    assert.deepEqual(decideFormation('d', 3, [info('a', [], ['a', 'b']), info('b', [], ['a', 'b'], 'b')]), { action: 'join', via: 'b' })
    assert.deepEqual(decideFormation('z', undefined, [info('a', [], ['a'], 'a')]), { action: 'join', via: 'a' })
    assert.equal(decideFormation('z', undefined, [info('a')]).action, 'wait')
  })

  it('nodes that see the same peers bootstrap one and the same cluster (property)', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 9 }), fc.integer({ min: 1, max: 9 }), (ids, expect) => {
      // Round 1: everyone proposes from its view; round 2: everyone decides on the others' proposals.
      const proposals = new Map(ids.map(id => {
        const d = decideFormation(id, expect, ids.filter(p => p !== id).map(p => info(p)))
        return [id, d.action === 'wait' ? d.proposal : []]
      }))
      const sets = new Set<string>()
      let bootstrapped = 0
      for (const id of ids) {
        const d = decideFormation(id, expect, ids.filter(p => p !== id).map(p => info(p, proposals.get(p) ?? [])))
        if (d.action === 'bootstrap') { bootstrapped++; sets.add(d.voters.join(',')) }
      }
      assert.ok(sets.size <= 1)
      if (ids.length >= expect) assert.equal(bootstrapped, expect)
      else assert.equal(bootstrapped, 0)
    }))
  })
})

describe('learner promotion', () => {
  it('keeps the voter count odd up to the maximum', () => {
    assert.equal(learnerToPromote(3, ['x'], 5), undefined)
    assert.equal(learnerToPromote(3, ['x', 'y'], 5), 'x')
    assert.equal(learnerToPromote(4, ['y'], 5), 'y')
    assert.equal(learnerToPromote(5, ['x', 'y'], 5), undefined)
    assert.equal(learnerToPromote(2, ['x'], 5), 'x')
    assert.equal(learnerToPromote(3, ['x', 'y'], 4), undefined)
    assert.equal(learnerToPromote(1, [], 5), undefined)
  })
})
