import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CompactionError } from '../../../../src/consensus/core/index.js'
import { SNAPSHOT_LOG_GROWTH } from '../../../../src/consensus/core/raft.js'
import { TestCluster } from './helpers.js'

describe('raft snapshots', () => {
  it('asks for a snapshot past the threshold; compaction drops the log prefix', () => {
    const c = new TestCluster(['a', 'b', 'c'], { snapshotThreshold: 5 })
    c.campaign('a')
    for (let i = 0; i < 6; i++) c.propose('a', `v${i}`)
    const req = c.node('a').readies.find((r) => r.snapshotRequest !== undefined)?.snapshotRequest
    assert.ok(req !== undefined)
    assert.ok(req.index >= 5)
    c.compact('a')
    const s = c.core('a').status()
    assert.equal(s.snapshotIndex, s.applied)
    assert.equal(c.core('a').entries(1, 3), undefined)
    assert.throws(() => c.core('a').compact(s.applied + 1, new Uint8Array()), CompactionError)
  })

  it('after the first snapshot, asks again only once the entries since hold SNAPSHOT_LOG_GROWTH times the bytes of that snapshot', () => {
    const c = new TestCluster(['a', 'b', 'c'], { snapshotThreshold: 3 })
    c.campaign('a')
    const requests = (): number[] => c.node('a').readies.flatMap((r) => r.snapshotRequest === undefined ? [] : [r.snapshotRequest.index])
    for (let i = 0; i < 3; i++) c.propose('a', `first-${i}`)
    assert.equal(requests().length, 1)
    c.compact('a')
    const snap = c.core('a').status().snapshotIndex
    const size = JSON.stringify(c.node('a').applied).length * SNAPSHOT_LOG_GROWTH
    assert.equal(SNAPSHOT_LOG_GROWTH, 2)
    let logged = 0
    for (let i = 0; logged < size; i++) {
      assert.equal(requests().length, 1, `asked again after ${logged} of ${size} bytes`)
      const value = `value-${i}`
      c.propose('a', value)
      logged += value.length
    }
    assert.equal(requests().length, 2)
    assert.ok((requests()[1] as number) - snap >= 3)
    assert.equal(requests()[1], c.core('a').status().applied)
  })

  it('asks for a snapshot after 10 times the threshold whatever the bytes, so a large state does not grow the log forever', () => {
    const c = new TestCluster(['a', 'b', 'c'], { snapshotThreshold: 2 })
    c.campaign('a')
    const requests = (): number[] => c.node('a').readies.flatMap((r) => r.snapshotRequest === undefined ? [] : [r.snapshotRequest.index])
    for (let i = 0; i < 2; i++) c.propose('a', `big-state-${'x'.repeat(200)}-${i}`)
    c.compact('a')
    const snap = c.core('a').status().snapshotIndex
    const before = requests().length
    for (let i = 0; i < 19; i++) c.propose('a', 'v')
    assert.equal(requests().length, before, 'not yet: 19 small entries hold fewer bytes than the snapshot')
    c.propose('a', 'v')
    assert.equal(requests().length, before + 1)
    assert.equal(requests().at(-1), snap + 20)
  })

  it('sends a snapshot to a follower behind the compacted log; it restores state and membership', () => {
    const c = new TestCluster(['a', 'b', 'c'], { snapshotThreshold: 5 })
    c.autoCompact = true
    c.campaign('a')
    c.isolate('c')
    for (let i = 0; i < 12; i++) c.propose('a', `v${i}`)
    assert.ok(c.core('a').status().snapshotIndex > 0)
    c.heal()
    c.tick(3, ['a', 'b', 'c'])
    assert.ok(c.delivered.some((m) => m.type === 'snapshot' && m.to === 'c'))
    assert.deepEqual(c.node('c').applied, c.node('a').applied)
    assert.deepEqual(c.core('c').status().conf.voters, ['a', 'b', 'c'])
    // c keeps replicating normally afterwards
    c.propose('a', 'after')
    assert.equal(c.node('c').applied.at(-1), 'after')
    assert.equal(c.core('a').status().progress?.c?.state, 'replicate')
  })

  it('a node added after compaction starts from a snapshot', () => {
    const c = new TestCluster(['a', 'b', 'c'], { snapshotThreshold: 4 })
    c.autoCompact = true
    c.campaign('a')
    for (let i = 0; i < 10; i++) c.propose('a', `v${i}`)
    c.addNode('d')
    c.core('a').proposeConfChange({ type: 'add-voter', node: 'd' })
    c.stabilize()
    c.tick(2, ['a', 'b', 'c', 'd'])
    assert.deepEqual(c.node('d').applied, c.node('a').applied)
    assert.deepEqual(c.core('d').status().conf.voters, ['a', 'b', 'c', 'd'])
    assert.ok(c.node('d').disk.snapshot !== undefined)
  })

  it('re-sends a snapshot that was lost', () => {
    const c = new TestCluster(['a', 'b', 'c'], { snapshotThreshold: 3, electionTicks: 5 })
    c.autoCompact = true
    c.campaign('a')
    c.isolate('c')
    for (let i = 0; i < 8; i++) c.propose('a', `v${i}`)
    c.heal()
    let dropped = 0
    c.filter = (m) => !(m.type === 'snapshot' && dropped++ === 0)
    c.tick(20, ['a', 'b', 'c'])
    assert.ok(dropped >= 2)
    assert.deepEqual(c.node('c').applied, c.node('a').applied)
  })

  it('a restarted node rebuilds from its snapshot and re-applies the rest', () => {
    const c = new TestCluster(['a', 'b', 'c'], { snapshotThreshold: 4 })
    c.autoCompact = true
    c.campaign('a')
    for (let i = 0; i < 9; i++) c.propose('a', `v${i}`)
    const before = c.node('b').applied.slice()
    assert.ok(c.node('b').disk.snapshot !== undefined)
    c.crash('b')
    c.restart('b')
    c.tick(1, ['a'])
    assert.deepEqual(c.node('b').applied, before)
  })
})
