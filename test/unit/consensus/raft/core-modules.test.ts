import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { applyConfChange, decodeConfChangeRecord, encodeConfChangeRecord, InvalidConfChangeError } from '../../../../src/consensus/core/index.js'
import { RaftLog } from '../../../../src/consensus/core/log.js'
import { Inflights, Progress } from '../../../../src/consensus/core/progress.js'
import { jointCommitted, jointVoteResult, majorityCommitted, majorityVoteResult } from '../../../../src/consensus/core/quorum.js'
import type { Entry } from '../../../../src/consensus/core/index.js'

const ent = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: new Uint8Array([index]) })

describe('quorum', () => {
  it('majorityCommitted is the largest index a majority has reached', () => {
    fc.assert(fc.property(fc.array(fc.nat(100), { minLength: 1, maxLength: 9 }), (acks) => {
      const ids = acks.map((_, i) => `n${i}`)
      const got = majorityCommitted(ids, (id) => acks[Number(id.slice(1))])
      const quorum = Math.floor(ids.length / 2) + 1
      assert.ok(acks.filter((a) => a >= got).length >= quorum)
      assert.ok(acks.filter((a) => a >= got + 1).length < quorum)
    }))
  })

  it('majorityVoteResult: won, lost, pending', () => {
    const ids = ['a', 'b', 'c', 'd', 'e']
    assert.equal(majorityVoteResult(ids, new Map([['a', true], ['b', true], ['c', true]])), 'won')
    assert.equal(majorityVoteResult(ids, new Map([['a', true], ['b', false], ['c', false], ['d', false]])), 'lost')
    assert.equal(majorityVoteResult(ids, new Map([['a', true], ['b', false], ['c', true]])), 'pending')
    assert.equal(majorityVoteResult(['a', 'b'], new Map([['a', true]])), 'pending', 'two voters need both')
    assert.equal(majorityVoteResult(ids, new Map([['x', true], ['y', true], ['z', true]])), 'pending', 'non-voters do not count')
  })

  it('joint quorums need both majorities', () => {
    const acks = new Map([['a', 5], ['b', 5], ['c', 1], ['d', 3], ['e', 3]])
    assert.equal(jointCommitted(['a', 'b', 'c'], ['c', 'd', 'e'], (id) => acks.get(id)), 3)
    assert.equal(jointCommitted(['a', 'b', 'c'], [], (id) => acks.get(id)), 5)
    const votes = new Map([['a', true], ['b', true], ['d', false], ['e', false]])
    assert.equal(jointVoteResult(['a', 'b', 'c'], ['c', 'd', 'e'], votes), 'lost')
    assert.equal(jointVoteResult(['a', 'b', 'c'], ['a', 'b', 'x'], votes), 'won')
  })
})

describe('progress and inflights', () => {
  it('the inflight window fills, frees by acknowledgement and resets', () => {
    const w = new Inflights(3)
    w.add(5); w.add(9); w.add(12)
    assert.ok(w.full())
    w.freeLE(9)
    assert.equal(w.count, 1)
    w.freeFirstOne()
    assert.equal(w.count, 0)
  })

  it('probe sends one append at a time; replicate pipelines; stale rejections are ignored', () => {
    const pr = new Progress(11, 2, false)
    assert.equal(pr.isPaused(), false)
    pr.sentEntries(0, 10)
    assert.equal(pr.isPaused(), true)
    assert.equal(pr.maybeDecrTo(10, 4), true)
    assert.equal(pr.next, 5)
    assert.equal(pr.maybeDecrTo(10, 4), false, 'a duplicate rejection is stale')
    assert.equal(pr.maybeUpdate(6), true)
    pr.becomeReplicate()
    pr.sentEntries(3, 9)
    pr.sentEntries(2, 11)
    assert.equal(pr.next, 12)
    assert.equal(pr.isPaused(), true)
    assert.equal(pr.maybeDecrTo(5, 0), false, 'rejection below match is stale')
    assert.equal(pr.maybeDecrTo(9, 0), true)
    assert.equal(pr.next, 7)
  })
})

describe('log', () => {
  it('appends, detects conflicts and truncates the uncommitted suffix', () => {
    const log = new RaftLog()
    log.append([ent(1, 1), ent(2, 1), ent(3, 2)])
    assert.equal(log.maybeAppend(1, 1, 0, [ent(2, 1), ent(3, 3), ent(4, 3)]), 4)
    assert.equal(log.term(3), 3)
    assert.equal(log.stableIndex, 0)
    assert.equal(log.maybeAppend(4, 2, 0, []), undefined, 'mismatched previous term')
    assert.equal(log.maybeAppend(1, 1, 3, [ent(2, 1)]), 2, 'a shorter matching append keeps the rest')
    assert.equal(log.lastIndex, 4)
    assert.equal(log.committed, 2)
  })

  it('findConflictByTerm steps back over entries with a larger term', () => {
    const log = new RaftLog()
    log.append([ent(1, 1), ent(2, 1), ent(3, 4), ent(4, 4), ent(5, 5)])
    assert.deepEqual(log.findConflictByTerm(5, 3), { index: 2, term: 1 })
    assert.deepEqual(log.findConflictByTerm(5, 4), { index: 4, term: 4 })
    assert.deepEqual(log.findConflictByTerm(9, 9), { index: 5, term: 5 })
  })

  it('never overwrites a committed entry', () => {
    const log = new RaftLog()
    log.append([ent(1, 1), ent(2, 1)])
    log.commitTo(2)
    assert.throws(() => log.append([ent(2, 2)]))
  })

  it('tracks the membership of the latest conf entry, and undoes it on truncation', () => {
    const log = new RaftLog()
    const conf = (voters: string[]): Entry => ({ index: 0, term: 1, type: 'conf-change', data: encodeConfChangeRecord({ conf: { voters, learners: [] } }) })
    log.append([{ ...conf(['a', 'b', 'c']), index: 1 }])
    log.append([{ ...conf(['a', 'b', 'c', 'd']), index: 2 }, ent(3, 1)])
    assert.deepEqual(log.conf.voters, ['a', 'b', 'c', 'd'])
    log.append([ent(2, 2)])
    assert.deepEqual(log.conf.voters, ['a', 'b', 'c'])
    assert.equal(log.lastConfIndex, 1)
  })
})

describe('membership changes', () => {
  it('applies single-server changes and rejects invalid ones', () => {
    let conf = { voters: ['a'], learners: [] as string[] }
    conf = applyConfChange(conf, { type: 'add-learner', node: 'b' })
    conf = applyConfChange(conf, { type: 'promote-learner', node: 'b' })
    conf = applyConfChange(conf, { type: 'add-voter', node: 'c' })
    assert.deepEqual(conf, { voters: ['a', 'b', 'c'], learners: [] })
    conf = applyConfChange(conf, { type: 'remove', node: 'a' })
    assert.deepEqual(conf.voters, ['b', 'c'])
    assert.throws(() => applyConfChange({ voters: ['a'], learners: [] }, { type: 'remove', node: 'a' }), InvalidConfChangeError)
    assert.throws(() => applyConfChange(conf, { type: 'add-learner', node: 'b' }), InvalidConfChangeError)
  })

  it('conf-change records round-trip through bytes', () => {
    const rec = { change: { type: 'add-voter' as const, node: 'x' }, conf: { voters: ['a', 'x'], learners: ['l'] } }
    assert.deepEqual(decodeConfChangeRecord(encodeConfChangeRecord(rec)), rec)
  })
})
