import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { LocalMesh } from '../../../src/node/local-mesh.js'
import { byPeer, get, put, raftStatus, waitFor, waitForLeader } from './helpers.js'

describe('Raft: joining nodes and a 5-node cluster with a stopped minority', () => {
  let mesh: LocalMesh

  before(async () => {
    mesh = await LocalMesh.start({ nodes: 3, args: () => ['--raft-expect', '3'] })
  })

  after(async () => {
    await mesh?.stop()
  })

  it('later nodes join as learners and are promoted in pairs to 5 voters', async () => {
    await waitForLeader(mesh.nodes, 3)
    assert.equal((await put(mesh.node(0), 'before-join', '1')).status, 200)
    // Joiners bootstrap from every member, so that reaching the leader does not wait on peer exchange.
    const bootstrap = mesh.nodes.flatMap(n => ['--bootstrap', n.addresses[0] as string])
    await mesh.spawnNode(3, bootstrap)
    // With one joiner the cluster keeps 3 voters (an even count is never the goal).
    const learner = await waitFor('node 4 to join as a learner', async () => {
      const s = await raftStatus(mesh.node(3))
      return s?.role === 'learner' ? s : undefined
    })
    assert.equal(learner.voters.length, 3)
    await new Promise(resolve => setTimeout(resolve, 1_500))
    assert.equal((await raftStatus(mesh.node(0)))?.voters.length, 3, 'one caught-up learner is not promoted to an even voter count')
    await mesh.spawnNode(4, bootstrap)
    await waitForLeader(mesh.nodes, 5, 20_000)
    const all = await Promise.all(mesh.nodes.map(async n => raftStatus(n)))
    for (const s of all) assert.deepEqual(s?.learners, [])
    const r = await get(mesh.node(4), 'before-join', 'serializable')
    assert.equal(await r.text(), '1', 'a joined node has the data written before it joined')
  })

  it('with two of five SIGSTOPped the majority keeps serving; the stopped pair catches up after SIGCONT', async () => {
    const leader = await waitForLeader(mesh.nodes, 5)
    const followers = mesh.nodes.filter(n => n.peerId !== leader)
    const stopped = followers.slice(0, 2)
    const serving = [byPeer(mesh, leader), ...followers.slice(2)]
    for (const n of stopped) await mesh.signal(n.index, 'SIGSTOP')
    try {
      for (let i = 0; i < 20; i++) {
        const res = await put(serving[i % serving.length]!, `majority${i}`, `m${i}`)
        assert.equal(res.status, 200, `write ${i} on the majority`)
      }
      const read = await get(serving[2]!, 'majority19')
      assert.equal(await read.text(), 'm19')
      const status = await raftStatus(byPeer(mesh, leader))
      const lagging = status?.followers?.filter(f => stopped.some(s => s.peerId === f.peerId)) ?? []
      assert.equal(lagging.length, 2)
      for (const f of lagging) assert.ok(f.lag >= 20, `a stopped follower lags (${f.lag})`)
    } finally {
      for (const n of stopped) await mesh.signal(n.index, 'SIGCONT')
    }
    for (const n of stopped) {
      await waitFor(`${n.peerId} to catch up`, async () => {
        const r = await get(n, 'majority19', 'serializable')
        return r.status === 200 && await r.text() === 'm19'
      })
    }
    assert.equal((await put(stopped[0]!, 'after', 'ok')).status, 200, 'a resumed node accepts writes again')
  })

  it('fedmesh raft transfer moves leadership; remove takes a member out', async () => {
    const leader = await waitForLeader(mesh.nodes, 5)
    const target = mesh.nodes.find(n => n.peerId !== leader)!
    const t = await fetch(`${mesh.node(0).api}/v1/raft/transfer/${target.peerId}`, { method: 'POST' })
    assert.equal(t.status, 200, await t.clone().text())
    assert.equal(await waitForLeader(mesh.nodes, 5), target.peerId)
    const victim = mesh.nodes.find(n => n.peerId !== target.peerId)!
    const r = await fetch(`${mesh.node(1).api}/v1/raft/remove/${victim.peerId}`, { method: 'POST' })
    assert.equal(r.status, 200, await r.clone().text())
    await waitFor('the member to be removed', async () => {
      const s = await raftStatus(byPeer(mesh, target.peerId))
      return s != null && !s.voters.includes(victim.peerId) && s.voters.length === 4
    })
    await new Promise(resolve => setTimeout(resolve, 1_500))
    const after = await raftStatus(byPeer(mesh, target.peerId))
    assert.ok(!after?.voters.includes(victim.peerId) && !after?.learners.includes(victim.peerId), 'a removed node does not rejoin on its own')
    assert.equal((await raftStatus(victim))?.member, false)
    // Nor after a restart from its data dir (its durable state names a cluster without it).
    await mesh.signal(victim.index, 'SIGTERM')
    const restarted = await mesh.spawnNode(victim.index, mesh.nodes.filter(n => n.index !== victim.index).flatMap(n => ['--bootstrap', n.addresses[0] as string]))
    assert.equal(restarted.peerId, victim.peerId)
    await new Promise(resolve => setTimeout(resolve, 2_000))
    const later = await raftStatus(byPeer(mesh, target.peerId))
    assert.ok(!later?.voters.includes(victim.peerId) && !later?.learners.includes(victim.peerId), 'a restarted removed node does not rejoin')
  })
})
