import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { allAlive, healthAt, round, startMesh, status, timeUntil, timesUntilAll } from './helpers.js'
import type { LocalMesh } from '../../../src/node/local-mesh.js'

/**
 * Failure detection between real `fedmesh start` processes on loopback (4 nodes). Bounds have slack for a loaded
 * 2-core box; the measured figures are printed (targets: killed → dead ≤ 1 s, frozen → dead ≤ 3 s, thawed → alive
 * ≤ 200 ms).
 */
describe('failure detection between fedmesh processes', () => {
  let mesh: LocalMesh

  before(async () => {
    mesh = await startMesh(4)
    await timeUntil('a full healthy mesh of 4', async () => allAlive(mesh), 20_000, 100)
  })

  after(async () => {
    await mesh?.stop()
  })

  it('reports health per peer, the mesh counters and the partition section in /v1/status, and health metrics', async () => {
    const s = await status(mesh.node(0).api)
    assert.equal(s.health.peers.length, 3)
    assert.ok(s.health.peers.every(p => p.health === 'alive' && p.connected === true))
    assert.equal(s.mesh.healthy, 3)
    assert.equal(s.mesh.dead, 0)
    assert.ok(s.mesh.heartbeats.received > 0)
    assert.equal(s.mesh.heartbeats.malformed, 0)
    assert.deepEqual(s.partition, { partitioned: false, type: 'none', since: null, affectedNodes: [] })
    const metrics = await (await fetch(`${mesh.node(0).api}/metrics`)).text()
    assert.match(metrics, /^fedmesh_health_peers\{status="alive"\} 3$/m)
    assert.match(metrics, /^fedmesh_health_events_total\{type="joined"\} \d+$/m)
    assert.match(metrics, /^fedmesh_partitioned 0$/m)
    assert.match(metrics, /^fedmesh_breakers\{state="closed"\} \d+$/m)
  })

  it('a SIGSTOPped node goes suspect then dead at the others, and alive again right after SIGCONT', async () => {
    const frozen = mesh.node(2)
    const observers = mesh.nodes.filter(n => n !== frozen)
    const stoppedAt = performance.now()
    await mesh.signal(frozen.index, 'SIGSTOP')
    const suspect = await timesUntilAll(observers, frozen.peerId, 'suspect', stoppedAt, 4_000)
    const dead = await timesUntilAll(observers, frozen.peerId, 'dead', stoppedAt, 5_000)
    console.info(`frozen → suspect at the 3 others: ${suspect.map(round).join(', ')} ms; → dead: ${dead.map(round).join(', ')} ms`)
    assert.ok(Math.max(...dead) <= 4_000, 'dead within 3 s (+1 s slack)')
    assert.ok(suspect.every((t, i) => t < dead[i]!), 'suspect before dead')
    const contAt = performance.now()
    await mesh.signal(frozen.index, 'SIGCONT')
    const alive = await timesUntilAll(observers, frozen.peerId, 'alive', contAt, 3_000, 10)
    console.info(`thawed → alive at the 3 others: ${alive.map(round).join(', ')} ms`)
    assert.ok(Math.max(...alive) <= 1_000, 'alive again within 200 ms (+800 ms slack)')
    // The thawed node itself forgave its own stall: it holds nobody dead.
    await timeUntil('the thawed node to see everyone alive', async () => {
      const s = await status(frozen.api)
      return s.health.peers.filter(p => p.health === 'alive').length === 3
    }, 3_000)
    assert.equal((await status(frozen.api)).mesh.transitions.died, 0)
  })

  it('a SIGKILLed node is dead at every survivor within about a second', async () => {
    const victim = mesh.node(3)
    const survivors = mesh.nodes.filter(n => n !== victim)
    const killedAt = performance.now()
    await mesh.signal(victim.index, 'SIGKILL')
    const dead = await timesUntilAll(survivors, victim.peerId, 'dead', killedAt, 3_000, 10)
    console.info(`killed → dead at the 3 survivors: ${dead.map(round).join(', ')} ms`)
    assert.ok(Math.max(...dead) <= 1_500, 'dead within 1 s (+500 ms slack)')
    for (const s of survivors) assert.equal(await healthAt(s, survivors.find(o => o !== s)!.peerId), 'alive')
  })

  it('a restarted node is seen joined (alive) by every other node', async () => {
    const index = 3
    const restartAt = performance.now()
    const running = mesh.nodes.filter(n => n.index !== index)
    const again = await mesh.spawnNode(index, running.flatMap(n => ['--bootstrap', n.addresses[0] as string]))
    const readyAt = performance.now()
    const others = mesh.nodes.filter(n => n.index !== index)
    const seen = await timesUntilAll(others, again.peerId, 'alive', readyAt, 10_000, 10)
    console.info(`restarted node ready after ${round(readyAt - restartAt)} ms; alive at the others ${seen.map(round).join(', ')} ms after its ready line`)
    assert.ok(Math.max(...seen) <= 5_000)
  })
})
