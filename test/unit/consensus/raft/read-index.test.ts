import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { NotLeaderError } from '../../../../src/consensus/core/index.js'
import { TestCluster, bytes, text } from './helpers.js'

describe('raft ReadIndex', () => {
  it('on the leader: released after a heartbeat round, at the commit index', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.propose('a', 'x')
    const commit = c.core('a').status().commit
    c.delivered = []
    c.core('a').readIndex(bytes('r1'))
    c.stabilize()
    const rs = c.node('a').readStates
    assert.equal(rs.length, 1)
    assert.equal(rs[0]?.index, commit)
    assert.equal(text(rs[0]?.context ?? new Uint8Array()), 'r1')
    const ctxBeats = c.delivered.filter((m) => m.type === 'heartbeat' && m.context !== undefined)
    assert.equal(ctxBeats.length, 2, 'leadership was confirmed with a heartbeat round')
  })

  it('a leader cut off from the quorum never releases the read', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.isolate('a')
    c.core('a').readIndex(bytes('r1'))
    c.tick(5, ['a'])
    assert.equal(c.node('a').readStates.length, 0)
    // meanwhile b and c elect a new leader and commit a write that a never saw
    c.tick(30, ['b', 'c'])
    const [newLeader] = c.leaders().filter((id) => id !== 'a')
    assert.ok(newLeader !== undefined)
    c.propose(newLeader, 'w')
    assert.equal(c.node('a').readStates.length, 0)
  })

  it('one quorum acknowledgement releases every earlier pending read', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.isolate('b')
    c.isolate('c')
    c.core('a').readIndex(bytes('r1'))
    c.core('a').readIndex(bytes('r2'))
    c.stabilize()
    assert.equal(c.node('a').readStates.length, 0)
    c.heal()
    c.tick(1, ['a'])
    assert.deepEqual(c.node('a').readStates.map((r) => text(r.context)), ['r1', 'r2'])
  })

  it('on a follower: forwarded to the leader, answered with the leader\'s commit index', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.propose('a', 'x')
    c.core('b').readIndex(bytes('f1'))
    c.stabilize()
    const rs = c.node('b').readStates
    assert.equal(rs.length, 1)
    assert.equal(rs[0]?.index, c.core('a').status().commit)
    assert.ok(c.delivered.some((m) => m.type === 'read-index' && m.from === 'b' && m.to === 'a'))
  })

  it('a new leader delays reads until an entry of its term is committed', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.filter = (m) => m.type !== 'append' // the new leader's first entry cannot commit
    c.campaign('a')
    assert.equal(c.core('a').status().role, 'leader')
    c.core('a').readIndex(bytes('r'))
    c.stabilize()
    assert.equal(c.node('a').readStates.length, 0)
    c.heal()
    c.tick(1, ['a'])
    assert.equal(c.node('a').readStates.length, 1)
    assert.equal(c.node('a').readStates[0]?.index, 2)
  })

  it('throws NotLeaderError on a node that knows no leader', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    assert.throws(() => c.core('b').readIndex(bytes('r')), NotLeaderError)
  })
})
