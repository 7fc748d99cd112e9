import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { NotLeaderError } from '../../../../src/consensus/core/index.js'
import type { AppendMessage, Message } from '../../../../src/consensus/core/index.js'
import { TestCluster, bytes } from './helpers.js'

const appends = (msgs: Message[], to?: string): AppendMessage[] =>
  msgs.filter((m): m is AppendMessage => m.type === 'append' && (to === undefined || m.to === to))

describe('raft log replication', () => {
  it('replicates proposals and applies them in order on every node', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    for (let i = 0; i < 10; i++) c.propose('a', `v${i}`)
    const want = Array.from({ length: 10 }, (_, i) => `v${i}`)
    for (const id of ['a', 'b', 'c']) assert.deepEqual(c.node(id).applied, want)
  })

  it('immediate commit notices: a commit sends each follower an append without entries at once', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.propose('a', 'warm-up')
    c.delivered = []
    c.propose('a', 'x')
    const empty = appends(c.delivered).filter((m) => m.entries.length === 0)
    assert.deepEqual(empty.map((m) => m.to).sort(), ['b', 'c'])
    for (const id of ['b', 'c']) assert.deepEqual(c.node(id).applied, ['warm-up', 'x'])
  })

  describe('deferred commit notices', () => {
    const deferred = (): TestCluster => {
      const c = new TestCluster(['a', 'b', 'c'], { commitNotice: 'deferred' })
      c.campaign('a')
      c.core('a').sendCommitNotices()
      c.stabilize()
      return c
    }

    it('a commit sends nothing by itself: followers hold the entry but have not applied it', () => {
      const c = deferred()
      c.delivered = []
      c.propose('a', 'x')
      assert.equal(appends(c.delivered).filter((m) => m.entries.length === 0).length, 0)
      assert.deepEqual(c.node('a').applied, ['x'])
      for (const id of ['b', 'c']) {
        assert.deepEqual(c.node(id).applied, [])
        assert.equal(c.core(id).status().lastIndex, c.core('a').status().lastIndex)
      }
      assert.equal(c.core('a').commitNoticesPending(), true)
    })

    it('the next append carries the commit index, so sequential writes need no notices', () => {
      const c = deferred()
      c.propose('a', 'x')
      c.delivered = []
      c.propose('a', 'y')
      assert.equal(appends(c.delivered).filter((m) => m.entries.length === 0).length, 0)
      for (const id of ['b', 'c']) assert.deepEqual(c.node(id).applied, ['x'])
    })

    it('sendCommitNotices tells only the followers that lack the commit index, then nothing is pending', () => {
      const c = deferred()
      c.propose('a', 'x')
      c.core('a').propose(bytes('y'))
      c.filter = (m) => !(m.to === 'c' && m.type === 'append')
      c.stabilize() // b got y (and with it the commit of x); c did not
      c.filter = undefined
      c.delivered = []
      c.core('a').sendCommitNotices()
      c.stabilize()
      assert.ok(appends(c.delivered).length > 0)
      assert.equal(c.core('a').commitNoticesPending(), false)
      for (const id of ['b', 'c']) assert.deepEqual(c.node(id).applied, ['x', 'y'])
    })

    it('a heartbeat also carries the commit index', () => {
      const c = deferred()
      c.propose('a', 'x')
      c.tick(1)
      for (const id of ['b', 'c']) assert.deepEqual(c.node(id).applied, ['x'])
      assert.equal(c.core('a').commitNoticesPending(), false)
    })

    it('nothing is pending on a follower, and sendCommitNotices does nothing there', () => {
      const c = deferred()
      c.propose('a', 'x')
      assert.equal(c.core('b').commitNoticesPending(), false)
      c.core('b').sendCommitNotices()
      assert.equal(c.core('b').hasReady(), false)
    })
  })

  it('a follower refuses proposals and names the leader', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    assert.throws(() => c.core('b').propose(bytes('x')), (e: Error) => e instanceof NotLeaderError && e.leader === 'a')
  })

  it('batches proposals made between two Ready cycles, at most maxEntriesPerMsg per message', () => {
    const c = new TestCluster(['a', 'b', 'c'], { maxEntriesPerMsg: 4 })
    c.campaign('a')
    c.delivered = []
    for (let i = 0; i < 10; i++) c.core('a').propose(bytes(`v${i}`))
    c.stabilize()
    const toB = appends(c.delivered, 'b').filter((m) => m.entries.length > 0)
    assert.deepEqual(toB.map((m) => m.entries.length), [4, 4, 2])
    assert.equal(c.node('b').applied.length, 10)
  })

  it('pipelines at most maxInflightMsgs unacknowledged appends to a follower', () => {
    const c = new TestCluster(['a', 'b', 'c'], { maxEntriesPerMsg: 1, maxInflightMsgs: 3 })
    c.campaign('a')
    c.propose('a', 'warm-up') // b is now in replicate state
    assert.equal(c.core('a').status().progress?.b?.state, 'replicate')
    c.filter = (m) => !(m.type === 'append-response' && m.from === 'b')
    c.delivered = []
    for (let i = 0; i < 10; i++) c.propose('a', `v${i}`)
    assert.equal(appends(c.delivered, 'b').filter((m) => m.entries.length > 0).length, 3)
    assert.equal(appends(c.delivered, 'c').filter((m) => m.entries.length > 0).length, 10)
    c.heal()
    c.tick(3)
    assert.equal(c.node('b').applied.length, 11)
  })

  it('Figure 8: an entry of a previous term is not committed by counting replicas', () => {
    const c = new TestCluster(['a', 'b', 'c'], { preVote: false, checkQuorum: false, maxEntriesPerMsg: 1 })
    c.campaign('a') // term 2, empty entry at index 2
    assert.equal(c.core('a').status().commit, 2)
    // a appends X at index 3 (term 2) but nobody receives it.
    c.isolate('a')
    c.core('a').propose(bytes('X'))
    c.stabilize()
    c.crash('a') // X is on a's disk
    c.restart('a')
    // c wins term 3 with b's vote; its entry at index 3 (term 3) reaches nobody.
    c.heal()
    c.isolate('a')
    c.filter = (m) => !(m.from === 'c' && m.type === 'append')
    c.campaign('c')
    assert.equal(c.core('c').status().role, 'leader')
    assert.equal(c.core('c').termAt(3), 3)
    c.heal()
    c.isolate('c')
    // a comes back and wins term 4 with b; it replicates X (term 2) to b, but not its term-4 entry.
    c.filter = (m) => {
      if (m.type === 'append') m.entries = m.entries.filter((e) => e.term !== 4) // strip term-4 entries in flight
      return true
    }
    c.core('a').campaign() // term 3: b already voted for c
    c.stabilize()
    if (c.core('a').status().role !== 'leader') c.campaign('a')
    assert.equal(c.core('a').status().role, 'leader')
    assert.equal(c.core('a').status().term, 4)
    assert.equal(c.core('b').termAt(3), 2, 'b holds X')
    assert.equal(c.core('a').status().progress?.b?.match, 3, 'X is on a majority (a, b)')
    assert.equal(c.core('a').status().commit, 2, 'yet X is not committed: its term is not the current one')
    // Why: c (log ends with term 3) can still win with b's vote and overwrite X.
    c.heal()
    c.crash('a')
    c.crash('c')
    c.restart('c')
    for (let i = 0; i < 3 && c.core('c').status().role !== 'leader'; i++) c.campaign('c') // term 4 is taken by a
    assert.equal(c.core('c').status().role, 'leader')
    assert.equal(c.core('b').termAt(3), 3, 'X was overwritten, which is safe only because it never committed')
    assert.deepEqual(c.node('b').applied, [])
  })

  it('Figure 8: the previous-term entry commits together with an entry of the current term', () => {
    const c = new TestCluster(['a', 'b', 'c'], { preVote: false, checkQuorum: false })
    c.campaign('a')
    c.isolate('a')
    c.core('a').propose(bytes('X'))
    c.stabilize()
    c.crash('a') // X is on a's disk
    c.restart('a')
    c.heal()
    c.isolate('c')
    c.campaign('a')
    assert.equal(c.core('a').status().role, 'leader')
    assert.equal(c.core('a').status().commit, 4)
    assert.deepEqual(c.node('b').applied, ['X'])
  })

  it('replaces a follower\'s conflicting uncommitted suffix, with few round trips', () => {
    const c = new TestCluster(['a', 'b', 'c'], { preVote: false, checkQuorum: false })
    c.campaign('a')
    c.isolate('a')
    for (let i = 0; i < 50; i++) c.core('a').propose(bytes(`lost${i}`))
    c.stabilize()
    c.heal()
    c.isolate('a')
    c.campaign('b')
    for (let i = 0; i < 5; i++) c.propose('b', `kept${i}`)
    c.heal()
    c.delivered = []
    c.tick(2)
    const rejects = c.delivered.filter((m) => m.type === 'append-response' && m.from === 'a' && m.reject)
    assert.ok(rejects.length <= 2, `${rejects.length} rejections`)
    const want = Array.from({ length: 5 }, (_, i) => `kept${i}`)
    for (const id of ['a', 'b', 'c']) assert.deepEqual(c.node(id).applied, want)
    const last = c.core('b').status().lastIndex
    assert.equal(c.core('a').status().lastIndex, last)
    for (let i = 1; i <= last; i++) assert.equal(c.core('a').termAt(i), c.core('b').termAt(i))
  })

  it('re-sends lost appends and converges under 30% message loss', () => {
    const c = new TestCluster(['a', 'b', 'c', 'd', 'e'], { checkQuorum: false })
    c.campaign('a')
    let n = 0
    c.filter = () => (n++ % 10) >= 3
    for (let i = 0; i < 20; i++) c.propose('a', `v${i}`)
    c.tick(10)
    c.heal()
    c.tick(3)
    const leader = c.leaders()[0] as string
    const applied = c.node(leader).applied
    for (const id of ['a', 'b', 'c', 'd', 'e']) assert.deepEqual(c.node(id).applied, applied)
    assert.ok(applied.length >= 1)
  })
})

describe('sending before persisting (Raft thesis 10.2.1)', () => {
  it('marks only Readys of a leader that change neither term nor vote', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    const campaignReadies = c.node('a').readies.filter((rd) => rd.hardState !== undefined && rd.hardState.vote === 'a' && rd.messages.some((m) => m.type === 'vote' || m.type === 'pre-vote'))
    assert.ok(campaignReadies.length > 0)
    for (const rd of campaignReadies) assert.equal(rd.sendBeforePersist, false, 'vote requests must wait for the vote to be durable')
    for (const id of ['b', 'c']) {
      assert.ok(c.node(id).readies.length > 0)
      for (const rd of c.node(id).readies) assert.equal(rd.sendBeforePersist, false, `${id} acknowledges only what is durable`)
    }
    c.node('a').readies = []
    c.core('a').propose(bytes('x'))
    c.stabilize()
    const withEntries = c.node('a').readies.filter((rd) => rd.entries.length > 0)
    assert.equal(withEntries.length, 1)
    assert.equal(withEntries[0]?.sendBeforePersist, true)
    assert.ok(appends(withEntries[0]?.messages ?? []).length === 2)
  })

  it('a leader commits an entry acknowledged by followers only in a later Ready than the one that carried it', () => {
    const c = new TestCluster(['a', 'b', 'c'])
    c.campaign('a')
    c.node('a').readies = []
    c.core('a').propose(bytes('x'))
    c.stabilize()
    const readies = c.node('a').readies
    const carried = readies.findIndex((rd) => rd.entries.some((e) => e.data.length > 0))
    const applied = readies.findIndex((rd) => rd.committedEntries.some((e) => e.data.length > 0))
    assert.ok(carried >= 0 && applied > carried)
  })
})
