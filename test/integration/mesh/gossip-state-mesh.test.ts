import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { GOSSIP_STATE_TOPIC } from '../../../src/mesh/gossip-state/index.js'
import { connect, createMeshNode, waitFor } from './helpers.js'
import type { MeshNode } from './helpers.js'
import type { StateChange } from '../../../src/mesh/gossip-state/index.js'

describe('gossip state on a 5-node chain', () => {
  const nodes: MeshNode[] = []

  before(async () => {
    for (let i = 0; i < 5; i++) nodes.push(await createMeshNode())
    // A chain: every update has to be forwarded by the nodes in between.
    for (let i = 0; i + 1 < nodes.length; i++) await connect(nodes[i] as MeshNode, nodes[i + 1] as MeshNode)
    await waitFor(() => nodes.every(n => n.services.pubsub.getSubscribers(GOSSIP_STATE_TOPIC).length > 0), 5000, 'topic peers everywhere')
  })

  after(async () => {
    await Promise.all(nodes.map(async n => { await n.stop() }))
  })

  it('an update of one end reaches every node by gossip', async () => {
    const first = nodes[0] as MeshNode
    const last = nodes[4] as MeshNode
    const arrivals: StateChange[] = []
    last.services.state.onUpdate((c) => { arrivals.push(c) })
    await first.services.state.update('role', { name: 'edge', weight: 3 })
    await waitFor(() => nodes.every(n => n.services.state.get(first.peerId, 'role') !== undefined), 5000, 'every node to hear')
    for (const n of nodes) assert.deepEqual(n.services.state.get(first.peerId, 'role'), { name: 'edge', weight: 3 })
    assert.equal(arrivals.length, 1)
    assert.equal(arrivals[0]?.origin, 'remote', 'arrived by gossip, not by repair')
  })

  it('every node publishes; all views converge to the same state', async () => {
    await Promise.all(nodes.map(async (n, i) => { await n.services.state.update('index', i) }))
    await waitFor(() => nodes.every(n => Object.keys(n.services.state.all()).length === 5 && n.services.state.get(nodes[4]?.peerId ?? '', 'index') === 4 &&
      n.services.state.get(nodes[0]?.peerId ?? '', 'index') === 0), 5000, 'views to converge')
    const views = nodes.map(n => JSON.stringify(sortedView(n.services.state.all())))
    assert.equal(new Set(views).size, 1, 'identical views')
    for (const [i, n] of nodes.entries()) assert.equal(n.services.state.get(n.peerId, 'index'), i)
    // Every node took in the four others' updates once (and the first test's update, except its publisher):
    // duplicates forwarded along the chain changed nothing.
    const remote = nodes.reduce((sum, n) => sum + n.services.state.stats.received + n.services.state.stats.repaired, 0)
    assert.equal(remote, 4 + 5 * 4)
  })
})

function sortedView (view: Record<string, Record<string, unknown>>): Array<[string, unknown]> {
  return Object.keys(view).sort().map(k => [k, view[k]])
}
