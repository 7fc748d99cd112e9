import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TestCluster } from './helpers.js'

describe('raft restart from persisted state', () => {
  it('a whole cluster restarts from disk, keeps term, log and commits, and carries on', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    for (let i = 0; i < 5; i++) c.propose('a', `v${i}`)
    const term = c.core('a').status().term
    for (const id of ['a', 'b', 'c']) c.crash(id)
    for (const id of ['a', 'b', 'c']) c.restart(id)
    for (const id of ['a', 'b', 'c']) {
      const s = c.core(id).status()
      assert.equal(s.term, term)
      assert.equal(s.role, 'follower')
      assert.equal(s.lastIndex, 7)
    }
    c.tick(30)
    assert.equal(c.leaders().length, 1)
    c.propose(c.leaders()[0] as string, 'after')
    for (const id of ['a', 'b', 'c']) assert.deepEqual(c.node(id).applied, ['v0', 'v1', 'v2', 'v3', 'v4', 'after'])
  })

  it('what was not persisted is lost, and the cluster still agrees', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.propose('a', 'kept')
    c.core('a').propose(new TextEncoder().encode('never-persisted'))
    c.crash('a') // before its Ready was handled
    c.restart('a')
    assert.equal(c.core('a').entries(4, 5)?.length, 0)
    c.tick(30)
    const leader = c.leaders()[0] as string
    c.propose(leader, 'after')
    for (const id of ['a', 'b', 'c']) assert.deepEqual(c.node(id).applied, ['kept', 'after'])
  })

  it('a restarted node re-delivers committed entries for the state machine to rebuild', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.propose('a', 'x')
    c.propose('a', 'y')
    c.crash('c')
    c.restart('c')
    const rd = c.core('c').ready()
    assert.deepEqual(rd.committedEntries.map((e) => e.index), [1, 2, 3, 4])
  })
})
