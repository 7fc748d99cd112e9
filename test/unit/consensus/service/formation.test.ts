import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { decideFormation, learnerToPromote } from '../../../../src/consensus/raft-service/formation.js'
import type { ClusterInfo } from '../../../../src/consensus/raft-service/formation.js'

const info = (peer: string, proposal: string[] = [], voters: string[] = [], leader = '', locked: string[] = []): ClusterInfo => ({ peer, voters, learners: [], leader, proposal, locked })
const lockedInfo = (peer: string, set: string[]): ClusterInfo => info(peer, set, [], '', set)

describe('cluster formation decision', () => {
  it('waits until N nodes are seen, then proposes the N smallest', () => {
    assert.deepEqual(decideFormation('b', 3, [info('c')]), { action: 'wait', proposal: [] })
    assert.deepEqual(decideFormation('b', 3, [info('c'), info('a')]), { action: 'wait', proposal: ['a', 'b', 'c'] })
  })

  it('locks a set once every chosen peer proposes it, and bootstraps once every one has locked it', () => {
    assert.deepEqual(decideFormation('b', 3, [info('c', ['a', 'b', 'c']), info('a', ['a', 'b', 'c'])]), { action: 'lock', voters: ['a', 'b', 'c'] })
    assert.equal(decideFormation('b', 3, [info('c', ['b', 'c', 'd']), info('a', ['a', 'b', 'c'])]).action, 'wait')
    const abc = ['a', 'b', 'c']
    assert.deepEqual(decideFormation('b', 3, [info('c', abc), lockedInfo('a', abc)], abc), { action: 'wait', proposal: abc })
    assert.deepEqual(decideFormation('b', 3, [lockedInfo('c', abc), lockedInfo('a', abc)], abc), { action: 'bootstrap', voters: abc })
  })

  it('a locked node proposes only its locked set, whatever it sees now', () => {
    // A smaller id appeared after b locked a, b, c; a and c still hold a, b, c.
    assert.deepEqual(decideFormation('b', 3, [info('0', ['0', 'a', 'b']), lockedInfo('a', ['a', 'b', 'c']), info('c', ['a', 'b', 'c'])], ['a', 'b', 'c']), { action: 'wait', proposal: ['a', 'b', 'c'] })
    // ... but once a member of the locked set proposes another set, the lock is given up.
    assert.deepEqual(decideFormation('b', 3, [info('0', ['0', 'a', 'b']), info('a', ['0', 'a', 'b']), info('c', ['a', 'b', 'c'])], ['a', 'b', 'c']), { action: 'lock', voters: ['0', 'a', 'b'] })
  })

  it('views that change between rounds do not bootstrap two overlapping sets', () => {
    // c read a and b while they proposed a, b, c; then node 0 appeared and a and b switched to 0, a, b.
    const abc = ['a', 'b', 'c']
    const zab = ['0', 'a', 'b']
    const c = decideFormation('c', 3, [info('a', abc), info('b', abc)])
    assert.deepEqual(c, { action: 'lock', voters: abc })
    // 0 reads a and b after they switched: it locks 0, a, b, but nobody bootstraps before all of its set locked it.
    assert.deepEqual(decideFormation('0', 3, [info('a', zab), info('b', zab), lockedInfo('c', abc)]), { action: 'lock', voters: zab })
    assert.equal(decideFormation('c', 3, [info('a', zab), info('b', zab), lockedInfo('0', zab)], abc).action, 'wait')
    // a and b lock 0, a, b (they never locked a, b, c); 0 then bootstraps it, and c (still locked) never bootstraps a, b, c.
    assert.deepEqual(decideFormation('a', 3, [info('b', zab), lockedInfo('0', zab), lockedInfo('c', abc)]), { action: 'lock', voters: zab })
    assert.deepEqual(decideFormation('0', 3, [lockedInfo('a', zab), lockedInfo('b', zab), lockedInfo('c', abc)], zab), { action: 'bootstrap', voters: zab })
    assert.equal(decideFormation('c', 3, [lockedInfo('a', zab), lockedInfo('b', zab), lockedInfo('0', zab)], abc).action, 'wait')
    // Once 0, a, b run, c joins them: its locked set is not theirs.
    assert.deepEqual(decideFormation('c', 3, [info('0', [], zab, '0')], abc), { action: 'join', via: '0' })
    // A member of the running set that was still locked on it bootstraps the same set.
    assert.deepEqual(decideFormation('b', 3, [info('0', [], zab, '0')], zab), { action: 'bootstrap', voters: zab })
  })

  it('a node that sees only part of the mesh adopts the members of its peers\' proposals', () => {
    // A leaf of a star sees only the hub, which proposes all five.
    assert.deepEqual(decideFormation('e', 5, [info('a', ['a', 'b', 'c', 'd', 'e'])]), { action: 'wait', proposal: ['a', 'b', 'c', 'd', 'e'] })
    const hub = decideFormation('a', 5, ['b', 'c', 'd', 'e'].map(p => info(p, ['a', 'b', 'c', 'd', 'e'])))
    assert.deepEqual(hub, { action: 'lock', voters: ['a', 'b', 'c', 'd', 'e'] })
  })

  it('a node outside the N smallest never bootstraps; any node joins an existing cluster', () => {
    assert.equal(decideFormation('d', 3, [info('a', ['a', 'b', 'c']), info('b', ['a', 'b', 'c']), info('c', ['a', 'b', 'c'])]).action, 'wait')
    assert.deepEqual(decideFormation('d', 3, [info('a', [], ['a', 'b']), info('b', [], ['a', 'b'], 'b')]), { action: 'join', via: 'b' })
    assert.deepEqual(decideFormation('z', undefined, [info('a', [], ['a'], 'a')]), { action: 'join', via: 'a' })
    assert.equal(decideFormation('z', undefined, [info('a')]).action, 'wait')
  })

  it('nodes that see the same peers bootstrap one and the same cluster (property)', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 9 }), fc.integer({ min: 1, max: 9 }), (ids, expect) => {
      // Round 1: everyone proposes from its view; round 2: everyone locks what all its members propose;
      // round 3: everyone decides on the others' locks.
      const proposals = new Map(ids.map(id => {
        const d = decideFormation(id, expect, ids.filter(p => p !== id).map(p => info(p)))
        return [id, d.action === 'wait' ? d.proposal : []]
      }))
      const locks = new Map(ids.map(id => {
        const d = decideFormation(id, expect, ids.filter(p => p !== id).map(p => info(p, proposals.get(p) ?? [])))
        return [id, d.action === 'lock' ? d.voters : []]
      }))
      const sets = new Set<string>()
      let bootstrapped = 0
      for (const id of ids) {
        const mine = locks.get(id) ?? []
        const d = decideFormation(id, expect, ids.filter(p => p !== id).map(p => info(p, locks.get(p)?.length === 0 ? proposals.get(p) ?? [] : locks.get(p) ?? [], [], '', locks.get(p) ?? [])), mine)
        if (d.action === 'bootstrap') { bootstrapped++; sets.add(d.voters.join(',')) }
      }
      assert.ok(sets.size <= 1)
      if (ids.length >= expect) assert.equal(bootstrapped, expect)
      else assert.equal(bootstrapped, 0)
    }))
  })
})

describe('cluster formation with views that change between rounds (property)', () => {
  it('nodes appearing in any order, deciding in any order, bootstrap one set, and every node ends in it', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3 }), { minLength: 3, maxLength: 7 }),
      fc.integer({ min: 1, max: 5 }),
      fc.array(fc.nat(), { minLength: 200, maxLength: 200 }),
      (ids, expectRaw, schedule) => {
        const expect = Math.min(expectRaw, ids.length)
        interface State { proposal: string[], locked: string[], voters: string[] }
        const state = new Map<string, State>()
        const bootstrapped = new Set<string>()
        let present = 0
        const round = (id: string): void => {
          const me = state.get(id) as State
          if (me.voters.length > 0) return
          const peers = [...state].filter(([p]) => p !== id).map(([p, st]) => info(p, st.proposal, st.voters, st.voters[0] ?? '', st.locked))
          const d = decideFormation(id, expect, peers, me.locked)
          if (d.action === 'wait') {
            me.proposal = d.proposal
            if (d.unlock === true) me.locked = []
          } else if (d.action === 'lock') { me.proposal = d.voters; me.locked = d.voters } else if (d.action === 'bootstrap') {
            me.voters = d.voters
            bootstrapped.add(d.voters.join(','))
          } else {
            const via = state.get(d.via) as State
            me.voters = via.voters
          }
        }
        for (const step of schedule) {
          // Nodes appear one by one at random moments; every present node runs rounds in a random order.
          if (present < ids.length && step % 4 === 0) { state.set(ids[present] as string, { proposal: [], locked: [], voters: [] }); present++; continue }
          const active = [...state.keys()]
          if (active.length > 0) round(active[step % active.length] as string)
        }
        while (present < ids.length) { state.set(ids[present] as string, { proposal: [], locked: [], voters: [] }); present++ }
        for (let r = 0; r < 6; r++) for (const id of ids) round(id)
        assert.ok(bootstrapped.size <= 1, `several sets bootstrapped: ${[...bootstrapped].join(' | ')}`)
        assert.equal(bootstrapped.size, 1, 'a cluster formed once everyone was present')
        for (const id of ids) assert.ok((state.get(id) as State).voters.length > 0, `${id} is in the cluster`)
      }), { numRuns: 300 })
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
