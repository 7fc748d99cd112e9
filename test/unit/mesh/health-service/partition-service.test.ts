import '../../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { allAlive, connect, createHealthNode, waitFor } from './helpers.js'
import type { HealthNode } from './helpers.js'
import type { PartitionHealedDetail } from '../../../../src/mesh/partition/index.js'
import type { PartitionReport, PartitionState } from '../../../../src/mesh/core/partition/index.js'
import type { PeerId } from '@libp2p/interface'

/** A stand-in anti-entropy service: records `syncWith` calls and answers like the real one. */
function fakeAntiEntropy (calls: string[]): () => { syncWith(peer: PeerId): Promise<unknown[]> } {
  return () => ({
    async syncWith (peer: PeerId) {
      calls.push(peer.toString())
      return [{ keyspace: 'data', peer: peer.toString(), entriesSent: 2, entriesReceived: 1, entriesApplied: 1 }]
    }
  })
}

describe('partition detection and recovery in a 5-node mesh split 2|3', () => {
  let nodes: HealthNode[] = []
  const syncCalls: string[][] = []
  const detected: PartitionState[][] = []
  const healed: PartitionHealedDetail[][] = []
  const reports: PartitionReport[][] = []

  before(async () => {
    nodes = await Promise.all(Array.from({ length: 5 }, async (_, i) => {
      syncCalls[i] = []
      detected[i] = []
      healed[i] = []
      reports[i] = []
      const node = await createHealthNode({ services: { antiEntropy: fakeAntiEntropy(syncCalls[i]!) } })
      node.services.partition.addEventListener('partition:detected', (evt) => { detected[i]!.push(evt.detail) })
      node.services.partition.addEventListener('partition:healed', (evt) => { healed[i]!.push(evt.detail) })
      node.services.partition.addEventListener('partition:report', (evt) => { reports[i]!.push(evt.detail) })
      return node
    }))
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) await connect(nodes[i]!, nodes[j]!)
    }
    await waitFor(() => allAlive(nodes), 5000, 'a full healthy mesh')
  })

  after(async () => {
    await Promise.all(nodes.map(async n => n.stop()))
  })

  it('no partition while everyone is reachable', async () => {
    await waitFor(() => nodes.every(n => n.services.partition.members().length === 5), 1000, 'membership evaluated')
    for (const n of nodes) {
      assert.equal(n.services.partition.isPartitioned(), false)
      assert.equal(n.services.partition.members().length, 5)
    }
  })

  it('both sides detect the split: the 2 as minority, the 3 as majority, each naming the other side', async () => {
    const minority = nodes.slice(0, 2)
    const majority = nodes.slice(2)
    const cutAt = Date.now()
    await Promise.all(minority.flatMap(m => majority.map(async o => m.hangUp(o.peerId))))
    await waitFor(() => nodes.every(n => n.services.partition.isPartitioned()), 5000, 'every node partitioned')
    const took = Date.now() - cutAt
    assert.ok(took < 3000, `detected after ${took} ms`)
    const ids = (ns: HealthNode[]): string[] => ns.map(n => n.peerId.toString()).sort()
    for (const n of minority) {
      const state = n.services.partition.current()
      assert.equal(state.type, 'minority')
      assert.deepEqual(state.affectedNodes, ids(majority))
      assert.ok(state.since != null && state.since >= cutAt)
    }
    for (const n of majority) {
      const state = n.services.partition.current()
      assert.equal(state.type, 'majority')
      assert.deepEqual(state.affectedNodes, ids(minority))
    }
    assert.ok(detected.every(d => d.length === 1))
  })

  it('healing is detected, anti-entropy runs with the affected peers, and a report is kept', async () => {
    const minority = nodes.slice(0, 2)
    const majority = nodes.slice(2)
    await Promise.all(minority.flatMap(m => majority.map(async o => connect(m, o))))
    await waitFor(() => nodes.every(n => !n.services.partition.isPartitioned()), 5000, 'healed everywhere')
    await Promise.all(nodes.map(async n => n.services.partition.settled()))
    await waitFor(() => reports.every(r => r.length === 1), 3000, 'reports')
    for (let i = 0; i < 5; i++) {
      assert.equal(healed[i]!.length, 1)
      assert.equal(healed[i]![0]!.plan.strategy, 'merge')
      const otherSide = (i < 2 ? majority : minority).map(n => n.peerId.toString()).sort()
      assert.deepEqual([...syncCalls[i]!].sort(), otherSide, `node ${i} synced with the other side`)
      const report = reports[i]![0]!
      assert.equal(report.side, i < 2 ? 'minority' : 'majority')
      assert.deepEqual(report.affectedNodes, otherSide)
      assert.equal(report.resolution.outcome, 'resolved')
      assert.deepEqual(report.divergence['anti-entropy:data'], { localChanges: 2 * otherSide.length, remoteChanges: otherSide.length })
      assert.equal(nodes[i]!.services.partition.reports().length, 1)
      assert.equal(nodes[i]!.services.partition.stats.partitionsSeen, 1)
    }
  })
})
