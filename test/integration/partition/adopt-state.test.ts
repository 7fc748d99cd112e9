import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { health } from '../../../src/mesh/health/index.js'
import { partitionDetection } from '../../../src/mesh/partition/index.js'
import { replication } from '../../../src/replication/service/index.js'
import { loopbackNode, meshGossipsub } from '../../helpers/loopback-node.js'
import type { PartitionReport } from '../../../src/mesh/core/partition/index.js'
import type { HealthService } from '../../../src/mesh/health/index.js'
import type { PartitionService } from '../../../src/mesh/partition/index.js'
import type { ReplicationService } from '../../../src/replication/service/index.js'
import type { Libp2p } from '@libp2p/interface'

type Node = Libp2p<{ identify: unknown, ping: unknown, pubsub: unknown, health: HealthService, partition: PartitionService, replication: ReplicationService }>

/** A real libp2p node on loopback TCP with health, partition detection (reset-to-known-good) and replication. */
async function createNode (): Promise<Node> {
  const node = await loopbackNode({
    identify: identify(),
    ping: ping(),
    pubsub: meshGossipsub(),
    health: health(),
    partition: partitionDetection({ strategy: 'reset-to-known-good', serveLocalWhilePartitioned: true }),
    replication: replication({ withholdOnMinority: true, pullIntervalMs: 0 })
  } as never)
  return node as unknown as Node
}

async function connect (a: Libp2p, b: Libp2p): Promise<void> {
  await a.dial(b.getMultiaddrs()[0] as never)
}

async function waitFor (what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

const valueOf = (n: Node, key: string): unknown => n.services.replication.read(key)?.value

/**
 * Three nodes; one is cut off (a minority of one), and both sides write conflicting values meanwhile. The
 * minority's writes are newer, so a merge (LWW) would keep them; with reset-to-known-good the minority adopts the
 * majority's state on heal, and every replica converges on the majority's values.
 */
describe('reset-to-known-good: the minority adopts the majority state on heal', () => {
  let nodes: Node[] = []
  const reports: PartitionReport[] = []

  before(async () => {
    nodes = await Promise.all([0, 1, 2].map(async () => createNode()))
    await connect(nodes[0]!, nodes[1]!)
    await connect(nodes[0]!, nodes[2]!)
    await connect(nodes[1]!, nodes[2]!)
    nodes[0]!.services.partition.addEventListener('partition:report', (evt) => { reports.push(evt.detail) })
    await waitFor('a healthy mesh', () => nodes.every(n => nodes.every(m => m === n || n.services.health.statusOf(m.peerId) === 'alive')))
  })

  after(async () => {
    await Promise.all(nodes.map(async n => n.stop()))
  })

  it('replaces minority writes made during the partition by the majority values, on every replica', async () => {
    const [minority, b, c] = nodes as [Node, Node, Node]
    for (const key of ['shared/1', 'shared/2', 'shared/3']) await b.services.replication.write(key, 'before')
    await waitFor('the initial values everywhere', () => nodes.every(n => ['shared/1', 'shared/2', 'shared/3'].every(k => valueOf(n, k) === 'before')))

    await Promise.all([b, c].map(async o => minority.hangUp(o.peerId)))
    // Alone, the minority of one is 'isolated' (a minority side that reaches no other member).
    await waitFor('the minority side detected', () => minority.services.partition.current().type === 'isolated')

    await c.services.replication.write('shared/2', 'majority')
    await new Promise(resolve => setTimeout(resolve, 5))
    // Newer than the majority's writes: a merge would keep these.
    await minority.services.replication.write('shared/1', 'minority')
    await minority.services.replication.write('shared/2', 'minority')
    await minority.services.replication.delete('shared/3')
    await minority.services.replication.write('minority-only', 'x')
    assert.equal(valueOf(minority, 'shared/2'), 'minority')

    await Promise.all([b, c].map(async o => connect(minority, o)))
    await waitFor('the recovery report', () => reports.length === 1, 15_000)
    const report = reports[0]!
    assert.equal(report.side, 'minority')
    assert.equal(report.plan.strategy, 'reset-to-known-good')
    assert.equal(report.resolution.outcome, 'resolved', report.resolution.detail)
    assert.match(report.resolution.detail ?? '', /adopted the state of \S+: 4 key\(s\) reset/)
    assert.equal(report.divergence['replication:adopt-state']?.localChanges, 4)

    const expected: Record<string, unknown> = { 'shared/1': 'before', 'shared/2': 'majority', 'shared/3': 'before', 'minority-only': undefined }
    const converged = (): boolean => nodes.every(n => Object.entries(expected).every(([k, v]) => valueOf(n, k) === v)) &&
      nodes.every(n => n.services.replication.checksum() === b.services.replication.checksum())
    await waitFor('every replica on the majority values', converged, 15_000)
    for (const n of nodes) {
      for (const [k, v] of Object.entries(expected)) assert.equal(valueOf(n, k), v, `${k} on ${n.peerId.toString()}`)
    }
    // Settled: the minority's withheld writes arrived too and changed nothing.
    await new Promise(resolve => setTimeout(resolve, 500))
    assert.ok(converged(), 'still converged on the majority values')
    assert.equal(minority.services.replication.stats().deltas.queued, 0)
  })
})
