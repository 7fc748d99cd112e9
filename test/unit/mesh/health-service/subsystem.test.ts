import '../../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createFederationNode } from '../../../../src/node/create-node.js'
import { waitFor } from './helpers.js'
import type { FederationNode } from '../../../../src/node/federation-node.js'

interface Sections {
  partition: { partitioned: boolean, type: string, since: string | null, affectedNodes: string[] }
  health: { peers: Array<{ peerId: string, health: string }> }
  mesh: { healthy: number, suspect: number, dead: number, balancer: { selections: Record<string, number> }, breakers: { total: number }, partitions: { seen: number } }
}

describe('the health subsystem in a federation node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedmesh-health-subsystem-'))
  const nodes: FederationNode[] = []

  before(async () => {
    for (const name of ['a', 'b']) {
      nodes.push(await createFederationNode({ dataDir: join(dir, name), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, api: '127.0.0.1:0' }))
    }
    await Promise.all(nodes.map(async n => n.start()))
    await nodes[0]!.libp2p.dial(nodes[1]!.libp2p.getMultiaddrs()[0]!)
    await waitFor(() => nodes.every((n, i) => n.health.statusOf(nodes[1 - i]!.peerId) === 'alive'), 3000, 'a and b alive')
  })

  after(async () => {
    await Promise.all(nodes.map(async n => n.stop()))
    rmSync(dir, { recursive: true, force: true })
  })

  it('sets node.health, node.balancer, node.breakers and node.partition', () => {
    const [a, b] = nodes as [FederationNode, FederationNode]
    assert.equal(a.health, a.libp2p.services.health)
    assert.equal(a.partition, a.libp2p.services.partition)
    assert.equal(a.balancer, a.health.balancer)
    assert.equal(a.breakers, a.health.breakers)
    assert.ok(a.balancer.select()?.equals(b.peerId))
  })

  it('serves the partition, health and mesh sections in /v1/status', async () => {
    const [a, b] = nodes as [FederationNode, FederationNode]
    const res = await fetch(`http://127.0.0.1:${a.api!.address().port}/v1/status`)
    const body = await res.json() as Sections
    assert.deepEqual(body.partition, { partitioned: false, type: 'none', since: null, affectedNodes: [] })
    assert.deepEqual(body.health.peers.map(p => [p.peerId, p.health]), [[b.peerId.toString(), 'alive']])
    assert.equal(body.mesh.healthy, 1)
    assert.equal(body.mesh.dead, 0)
    assert.ok((body.mesh.balancer.selections['round-robin'] ?? 0) >= 1)
    const partitions = await (await fetch(`http://127.0.0.1:${a.api!.address().port}/v1/partitions`)).json() as { reports: unknown[] }
    assert.deepEqual(partitions.reports, [])
  })

  it('counts the voters of a raft status section as members: unreachable voters make a partition', async () => {
    const [a, b] = nodes as [FederationNode, FederationNode]
    const ghosts = ['12D3KooWGhost1', '12D3KooWGhost2']
    a.addStatusSection('raft', () => ({ role: 'follower', voters: [a.peerId.toString(), b.peerId.toString(), ...ghosts] }))
    await waitFor(() => a.partition.isPartitioned(), 3000, 'a partition')
    const section = (a.status() as unknown as Sections).partition
    assert.equal(section.partitioned, true)
    assert.equal(section.type, 'minority', 'a reaches 2 of 4 voters: no quorum')
    assert.deepEqual(section.affectedNodes, [...ghosts].sort())
    assert.ok(section.since != null && !Number.isNaN(Date.parse(section.since)))
    a.partition.setVoterSource(undefined)
    await waitFor(() => !a.partition.isPartitioned(), 3000, 'healed once the voters are gone')
  })
})
