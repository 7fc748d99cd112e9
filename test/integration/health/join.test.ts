import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { allAlive, round, startMesh, status, timeUntil, timesUntilAll } from './helpers.js'
import type { LocalMesh } from '../../../src/node/local-mesh.js'

/**
 * A new node that bootstraps from ONE member of a running 4-node mesh (as `serf join` names one member): the
 * member announces it to the others, which hold it alive at once (on the member's word) and link to it directly
 * (peer exchange), and it holds every member alive. Bounds have slack for a loaded 2-core box; the measured
 * figures are printed (target: alive at every member within 150 ms of the ready line).
 */
describe('joining a running mesh through one member', () => {
  let mesh: LocalMesh

  before(async () => {
    mesh = await startMesh(4)
    await timeUntil('a full healthy mesh of 4', async () => allAlive(mesh), 20_000, 100)
  })

  after(async () => {
    await mesh?.stop()
  })

  it('every member holds the newcomer alive, then directly linked; the newcomer links to every member', async () => {
    const members = [...mesh.nodes]
    const fresh = await mesh.spawnNode(10, ['--bootstrap', mesh.node(0).addresses[0] as string])
    const since = performance.now()
    const alive = await timesUntilAll(members, fresh.peerId, 'alive', since, 3_000, 5)
    const linked = await Promise.all(members.map(async (m) => {
      await timeUntil(`node ${m.index} linked to the newcomer`, async () => {
        const row = (await status(m.api)).health.peers.find(p => p.peerId === fresh.peerId)
        return row?.health === 'alive' && row.connected === true
      }, 10_000, 10)
      return performance.now() - since
    }))
    console.log(`  newcomer alive at every member after ${round(Math.max(...alive))} ms [${alive.map(round).join(', ')}], directly linked after ${round(Math.max(...linked))} ms`)
    await timeUntil('the newcomer holds every member alive and connected', async () => {
      const rows = (await status(fresh.api)).health.peers
      return members.every(m => rows.some(p => p.peerId === m.peerId && p.health === 'alive' && p.connected === true))
    }, 10_000, 20)
    const peers = (await status(fresh.api)).peers
    assert.ok(members.every(m => peers.some(p => p.peerId === m.peerId && p.connected)), 'connected to every member')
    for (const m of members) assert.equal((await status(m.api)).mesh.dead, 0)
  })
})
