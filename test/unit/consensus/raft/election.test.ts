import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RaftCore } from '../../../../src/consensus/core/index.js'
import type { Message } from '../../../../src/consensus/core/index.js'
import { seededRandom } from '../../../../src/util/pure/random.js'
import { TestCluster } from './helpers.js'

describe('raft election', () => {
  it('elects the node that campaigns, and every node learns the leader', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    assert.deepEqual(c.leaders(), ['a'])
    for (const id of ['a', 'b', 'c']) {
      const s = c.core(id).status()
      assert.equal(s.leader, 'a')
      assert.equal(s.term, 2)
    }
    // The leader's empty entry of its term is committed everywhere.
    for (const id of ['a', 'b', 'c']) assert.equal(c.core(id).status().commit, 2)
  })

  it('draws the election timeout from [electionTicks, 2 * electionTicks)', () => {
    const firsts = new Set<number>()
    for (let seed = 1; seed <= 60; seed++) {
      const core = new RaftCore({ id: 'a', peers: ['a', 'b', 'c'], random: seededRandom(seed), electionTicks: 10, preVote: false })
      let ticks = 0
      while (core.status().role === 'follower') { core.tick(); ticks++ }
      assert.equal(core.status().role, 'candidate')
      assert.ok(ticks >= 10 && ticks < 20, `campaigned after ${ticks} ticks`)
      firsts.add(ticks)
    }
    assert.ok(firsts.size >= 5, 'timeouts are randomized')
  })

  it('elects exactly one leader from ticks alone', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const c = new TestCluster(['a', 'b', 'c', 'd', 'e'], {}, seed * 7)
      for (let i = 0; i < 40 && c.leaders().length === 0; i++) c.tick()
      assert.equal(c.leaders().length, 1, `seed ${seed}`)
      const leader = c.leaders()[0]
      for (const n of c.nodes.values()) assert.equal(n.core.status().leader, leader)
    }
  })

  it('refuses to vote for a candidate whose log is behind', () => {
    const c = new TestCluster(['a', 'b', 'c'], { checkQuorum: false, preVote: false })
    c.campaign('a')
    c.isolate('c')
    c.propose('a', 'x')
    c.heal()
    c.isolate('a')
    c.campaign('c') // c lacks 'x'; b must refuse
    assert.notEqual(c.core('c').status().role, 'leader')
    const refusals = c.delivered.filter((m) => m.type === 'vote-response' && m.from === 'b' && m.to === 'c')
    assert.ok(refusals.length > 0 && refusals.every((m) => m.type === 'vote-response' && m.reject))
  })

  it('a persisted vote survives a restart: no second vote in the same term', () => {
    const c = new TestCluster(['a', 'b', 'c'], { preVote: false, checkQuorum: false })
    c.isolate('c')
    c.campaign('a')
    const term = c.core('b').status().term
    assert.equal(c.core('b').status().vote, 'a')
    c.crash('b')
    c.restart('b')
    assert.equal(c.core('b').status().vote, 'a')
    const vote: Message = { type: 'vote', from: 'c', to: 'b', term, index: 100, logTerm: term, transfer: false }
    c.core('b').step(vote)
    const rd = c.core('b').ready()
    const resp = rd.messages.find((m) => m.type === 'vote-response')
    assert.ok(resp !== undefined && resp.type === 'vote-response' && resp.reject)
  })

  it('pre-vote keeps a partitioned node from inflating its term', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    const term = c.core('a').status().term
    c.isolate('c')
    c.tick(100)
    assert.equal(c.core('c').status().term, term, 'the isolated node never won a pre-vote')
    c.heal()
    c.tick(5)
    assert.deepEqual(c.leaders(), ['a'])
    assert.equal(c.core('a').status().term, term, 'the rejoining node did not disrupt the leader')
  })

  it('without pre-vote the same partition inflates the term and disrupts the leader', () => {
    const c = new TestCluster(['a', 'b', 'c'], { preVote: false })
    c.campaign('a')
    const term = c.core('a').status().term
    c.isolate('c')
    c.tick(100)
    assert.ok(c.core('c').status().term > term + 3)
    c.heal()
    c.tick(40)
    assert.ok(c.core('a').status().term > term, 'the old leader was forced into a newer term')
  })

  it('check-quorum: a leader cut off from the quorum steps down within an election timeout', () => {
    const c = new TestCluster(['a', 'b', 'c'], { electionTicks: 10 })
    c.campaign('a')
    c.isolate('a')
    c.tick(10, ['a'])
    assert.equal(c.core('a').status().role, 'leader', 'still leader within the first timeout window')
    c.tick(10, ['a'])
    assert.equal(c.core('a').status().role, 'follower')
  })

  it('without check-quorum an isolated leader stays leader', () => {
    const c = new TestCluster(['a', 'b', 'c'], { checkQuorum: false })
    c.campaign('a')
    c.isolate('a')
    c.tick(50, ['a'])
    assert.equal(c.core('a').status().role, 'leader')
  })

  it('leader lease: a follower that hears from its leader ignores a higher-term vote request', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    const term = c.core('b').status().term
    c.core('b').step({ type: 'vote', from: 'c', to: 'b', term: term + 5, index: 1000, logTerm: term + 4, transfer: false })
    assert.equal(c.core('b').status().term, term)
    const rd = c.core('b').ready()
    c.core('b').advance(rd)
    assert.equal(rd.messages.length, 0)
    // After an election timeout without the leader, the same request is granted.
    c.isolate('a')
    c.tick(20, ['b'])
    c.core('b').step({ type: 'vote', from: 'c', to: 'b', term: term + 5, index: 1000, logTerm: term + 4, transfer: false })
    const resp = c.core('b').ready().messages.find((m) => m.type === 'vote-response')
    assert.ok(resp !== undefined && resp.type === 'vote-response' && !resp.reject)
  })

  it('a single-voter cluster elects itself at once', () => {
    const c = new TestCluster(['solo'])
    c.campaign('solo')
    assert.deepEqual(c.leaders(), ['solo'])
    c.propose('solo', 'v')
    assert.deepEqual(c.node('solo').applied, ['v'])
  })
})
