import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidTransferError, ProposalDroppedError } from '../../../../src/consensus/core/index.js'
import { TestCluster, bytes } from './helpers.js'

describe('raft leadership transfer', () => {
  it('hands leadership to an up-to-date voter at once', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    const term = c.core('a').status().term
    c.core('a').transferLeadership('b')
    c.stabilize()
    assert.deepEqual(c.leaders(), ['b'])
    assert.equal(c.core('b').status().term, term + 1)
    assert.ok(c.delivered.some((m) => m.type === 'timeout-now' && m.to === 'b'))
  })

  it('catches a lagging target up first; proposals are refused meanwhile', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.isolate('c')
    for (let i = 0; i < 5; i++) c.propose('a', `v${i}`)
    c.core('a').transferLeadership('c')
    c.stabilize()
    assert.throws(() => c.core('a').propose(bytes('no')), ProposalDroppedError)
    c.heal()
    c.tick(1, ['a']) // a heartbeat lets a probe c again
    assert.deepEqual(c.leaders(), ['c'])
    assert.equal(c.node('c').applied.length, 5)
  })

  it('is aborted after an election timeout when the target does not respond', () => {
    const c = new TestCluster(['a', 'b', 'c'], { electionTicks: 10 })
    c.campaign('a')
    c.isolate('c')
    c.core('a').transferLeadership('c')
    assert.equal(c.core('a').status().leadTransferee, 'c')
    c.tick(10, ['a', 'b'])
    assert.equal(c.core('a').status().leadTransferee, undefined)
    assert.deepEqual(c.leaders(), ['a'])
    c.propose('a', 'after')
    assert.deepEqual(c.node('b').applied, ['after'])
  })

  it('refuses a learner or unknown node as target', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    assert.throws(() => c.core('a').transferLeadership('zz'), InvalidTransferError)
  })

  it('timeout-now overrides the followers\' leader lease', () => {
    const c = new TestCluster(['a', 'b', 'c'], { checkQuorum: true })
    c.campaign('a')
    c.core('a').transferLeadership('c')
    c.stabilize()
    assert.deepEqual(c.leaders(), ['c'])
    for (const id of ['a', 'b']) assert.equal(c.core(id).status().leader, 'c')
  })
})
