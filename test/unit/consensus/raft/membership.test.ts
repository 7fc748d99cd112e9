import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidConfChangeError, ProposalDroppedError } from '../../../../src/consensus/core/index.js'
import { TestCluster } from './helpers.js'

describe('raft membership changes', () => {
  it('adds a voter: the new node catches up and then counts for quorum', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.propose('a', 'before')
    c.addNode('d')
    c.core('a').proposeConfChange({ type: 'add-voter', node: 'd' })
    c.stabilize()
    c.tick(1, ['a'])
    for (const id of ['a', 'b', 'c', 'd']) assert.deepEqual(c.core(id).status().conf.voters, ['a', 'b', 'c', 'd'])
    assert.deepEqual(c.node('d').applied, ['before'])
    // 4 voters: a quorum is 3. With b and c down, a and d cannot commit.
    c.crash('b')
    c.crash('c')
    c.core('a').propose(new TextEncoder().encode('needs-3'))
    c.stabilize()
    assert.deepEqual(c.node('d').applied, ['before'])
    c.restart('c')
    c.tick(2, ['a', 'c', 'd'])
    assert.deepEqual(c.node('d').applied, ['before', 'needs-3'])
  })

  it('removes a voter: the quorum shrinks and the removed node stops campaigning', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.core('a').proposeConfChange({ type: 'remove', node: 'c' })
    c.stabilize()
    assert.deepEqual(c.core('c').status().conf.voters, ['a', 'b'])
    const termC = c.core('c').status().term
    c.isolate('c')
    c.tick(100, ['c'])
    assert.equal(c.core('c').status().term, termC, 'the removed node never campaigned')
    assert.equal(c.core('c').status().role, 'follower')
    c.heal()
    c.propose('a', 'two-of-two')
    assert.deepEqual(c.node('b').applied, ['two-of-two'])
    assert.deepEqual(c.node('c').applied, [])
  })

  it('removing the leader: it steps down once the change commits and the rest elect a new leader', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.core('a').proposeConfChange({ type: 'remove', node: 'a' })
    c.stabilize()
    c.tick(1, ['a'])
    assert.equal(c.core('a').status().role, 'follower')
    c.tick(40, ['b', 'c'])
    const leaders = c.leaders()
    assert.equal(leaders.length, 1)
    assert.notEqual(leaders[0], 'a')
    c.propose(leaders[0] as string, 'after')
    assert.deepEqual(c.node('b').applied, ['after'])
  })

  it('allows only one uncommitted change at a time', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.core('a').proposeConfChange({ type: 'add-learner', node: 'd' })
    assert.throws(() => c.core('a').proposeConfChange({ type: 'add-learner', node: 'e' }), ProposalDroppedError)
    c.stabilize()
    c.core('a').proposeConfChange({ type: 'add-learner', node: 'e' })
  })

  it('refuses a change before the leader has committed an entry of its term', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.filter = (m) => m.type !== 'append'
    c.campaign('a')
    assert.equal(c.core('a').status().role, 'leader')
    assert.throws(() => c.core('a').proposeConfChange({ type: 'add-voter', node: 'd' }), ProposalDroppedError)
  })

  it('rejects invalid changes', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    assert.throws(() => c.core('a').proposeConfChange({ type: 'add-voter', node: 'b' }), InvalidConfChangeError)
    assert.throws(() => c.core('a').proposeConfChange({ type: 'promote-learner', node: 'b' }), InvalidConfChangeError)
    assert.throws(() => c.core('a').proposeConfChange({ type: 'remove', node: 'zz' }), InvalidConfChangeError)
  })

  it('a learner receives the log but neither votes nor counts for commit; promotion makes it a voter', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.addNode('d')
    c.core('a').proposeConfChange({ type: 'add-learner', node: 'd' })
    c.stabilize()
    c.tick(1, ['a'])
    c.propose('a', 'x')
    assert.deepEqual(c.node('d').applied, ['x'])
    assert.equal(c.core('a').status().progress?.d?.learner, true)
    // a learner never campaigns
    const termD = c.core('d').status().term
    c.isolate('d')
    c.tick(60, ['d'])
    assert.equal(c.core('d').status().term, termD)
    c.heal()
    // with b and c down, a + learner d is not a quorum
    c.crash('b')
    c.crash('c')
    c.core('a').propose(new TextEncoder().encode('y'))
    c.stabilize()
    assert.deepEqual(c.node('d').applied, ['x'])
    c.restart('b')
    c.restart('c')
    c.tick(2, ['a', 'b', 'c', 'd'])
    c.core('a').proposeConfChange({ type: 'promote-learner', node: 'd' })
    c.stabilize()
    assert.deepEqual(c.core('d').status().conf, { voters: ['a', 'b', 'c', 'd'], learners: [] })
    c.core('a').transferLeadership('d')
    c.stabilize()
    assert.deepEqual(c.leaders(), ['d'])
  })

  it('an uncommitted change that is overwritten is undone on the node that held it', () => {
    const c = new TestCluster(['a', 'b', 'c'], { checkQuorum: false, preVote: false })
    c.campaign('a')
    c.isolate('a')
    c.core('a').proposeConfChange({ type: 'remove', node: 'b' })
    c.stabilize()
    assert.deepEqual(c.core('a').status().conf.voters, ['a', 'c'])
    c.heal()
    c.isolate('a')
    c.campaign('b')
    c.propose('b', 'w')
    c.heal()
    c.tick(2, ['b'])
    assert.deepEqual(c.core('a').status().conf.voters, ['a', 'b', 'c'])
    assert.deepEqual(c.node('a').applied, ['w'])
  })
})
