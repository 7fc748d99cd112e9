import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { NotLeaderError } from '../../../../src/consensus/core/index.js'
import type { AppendMessage, Message, ProposeMessage } from '../../../../src/consensus/core/index.js'
import { TestCluster, bytes, text } from './helpers.js'

const proposes = (msgs: Message[]): ProposeMessage[] => msgs.filter((m): m is ProposeMessage => m.type === 'propose')
const appends = (msgs: Message[], to: string): AppendMessage[] => msgs.filter((m): m is AppendMessage => m.type === 'append' && m.to === to)

describe('raft proposals through the leader (propose messages)', () => {
  it('a follower sends its proposals of one Ready in one message; the leader appends them and every node applies them', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.delivered = []
    for (const v of ['x', 'y', 'z']) c.core('b').proposeViaLeader(bytes(v))
    c.stabilize()
    const sent = proposes(c.delivered)
    assert.equal(sent.length, 1)
    assert.equal(sent[0]?.to, 'a')
    assert.deepEqual(sent[0]?.data.map(text), ['x', 'y', 'z'])
    for (const id of ['a', 'b', 'c']) assert.deepEqual(c.node(id).applied, ['x', 'y', 'z'])
  })

  it('proposals of later Readys travel in new messages, in order', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.delivered = []
    c.core('b').proposeViaLeader(bytes('1'))
    c.processReady('b')
    c.core('b').proposeViaLeader(bytes('2'))
    c.stabilize()
    assert.deepEqual(proposes(c.delivered).map((m) => m.data.map(text)), [['1'], ['2']])
    assert.deepEqual(c.node('c').applied, ['1', '2'])
  })

  it('throws NotLeaderError on the leader, on a candidate and on a follower that knows no leader', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    assert.throws(() => c.core('b').proposeViaLeader(bytes('x')), (e: Error) => e instanceof NotLeaderError && e.leader === '')
    c.campaign('a')
    assert.throws(() => c.core('a').proposeViaLeader(bytes('x')), NotLeaderError)
    c.core('c').campaign()
    assert.throws(() => c.core('c').proposeViaLeader(bytes('x')), NotLeaderError)
  })

  it('the leader drops proposals while it transfers leadership, and a follower ignores proposals sent to it', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.filter = (m) => !(m.type === 'append-response' && m.from === 'c') && m.type !== 'timeout-now'
    c.core('a').propose(bytes('pending'))
    c.stabilize()
    c.core('a').transferLeadership('c')
    c.core('b').proposeViaLeader(bytes('dropped'))
    c.stabilize()
    assert.ok(!c.node('a').applied.includes('dropped'))
    assert.equal(c.core('a').status().lastIndex, c.core('b').status().lastIndex)

    const d = new TestCluster(['a', 'b', 'c'])
    d.campaign('a')
    const before = d.core('b').status().lastIndex
    d.core('b').step({ type: 'propose', from: 'c', to: 'b', term: d.core('b').status().term, data: [bytes('stray')], epoch: 1, seq: 1 })
    d.stabilize()
    assert.equal(d.core('b').status().lastIndex, before)
    assert.equal(d.core('a').status().lastIndex, before)
  })

  it('a propose message lost on the way leaves no entry anywhere (the proposer learns only from its timeout)', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.propose('a', 'first')
    c.isolate('a')
    c.core('b').proposeViaLeader(bytes('lost'))
    c.stabilize()
    c.heal()
    c.propose('a', 'after')
    for (const id of ['a', 'b', 'c']) assert.deepEqual(c.node(id).applied, ['first', 'after'])
  })

  it('a duplicated or late propose message appends nothing again; a restarted sender starts a new run', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.core('b').proposeViaLeader(bytes('first'))
    c.processReady('b')
    const [first] = proposes(c.queue)
    c.stabilize()
    c.core('b').proposeViaLeader(bytes('second'))
    c.stabilize()
    const term = c.core('a').status().term
    c.core('a').step({ ...(first as ProposeMessage), term }) // the first message again, after the second
    c.stabilize()
    assert.deepEqual(c.node('a').applied, ['first', 'second'])
    c.core('a').step({ type: 'propose', from: 'b', to: 'a', term, data: [bytes('new run')], epoch: (first as ProposeMessage).epoch + 1, seq: 1 })
    c.stabilize()
    assert.deepEqual(c.node('c').applied, ['first', 'second', 'new run'])
  })

  it('deferred commit notices: the proposing follower hears of the commit at once, the others wait', () => {
    const c = new TestCluster(['a', 'b', 'c'], { commitNotice: 'deferred' })
    c.campaign('a')
    c.core('a').sendCommitNotices()
    c.stabilize()
    c.delivered = []
    c.core('b').proposeViaLeader(bytes('x'))
    c.stabilize()
    assert.deepEqual(c.node('b').applied, ['x'])
    assert.deepEqual(c.node('c').applied, [])
    assert.equal(appends(c.delivered, 'b').filter((m) => m.entries.length === 0).length, 1)
    assert.equal(appends(c.delivered, 'c').filter((m) => m.entries.length === 0).length, 0)
  })
})
