import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { GOSSIP_STATE_TOPIC } from '../../../src/mesh/gossip-state/index.js'
import { connect, createMeshNode, waitFor } from './helpers.js'
import type { MeshNode, MeshNodeOptions } from './helpers.js'

const UPDATES = 1000
/** Fast enough that 1,000 updates go out in well under a second, still paced. */
const state = { publishQueue: { capacity: 2048, ratePerSecond: 5000, burst: 200 } }

describe('a node that was down catches up by anti-entropy', () => {
  const running: MeshNode[] = []

  after(async () => {
    await Promise.all(running.map(async n => { await n.stop() }))
  })

  async function start (options: MeshNodeOptions = {}): Promise<MeshNode> {
    const n = await createMeshNode({ state, ...options })
    running.push(n)
    return n
  }

  it(`receives the ${UPDATES.toLocaleString('en')} updates it missed through /fedmesh/sync after a restart`, async () => {
    const [a, b, d] = [await start(), await start(), await start()]
    const key = await generateKeyPair('Ed25519')
    const c = await start({ privateKey: key })
    await connect(a, b)
    await connect(b, d)
    await connect(d, a)
    await connect(c, b)
    await waitFor(() => [a, b, c, d].every(n => n.services.pubsub.getSubscribers(GOSSIP_STATE_TOPIC).length > 0), 5000, 'topic peers')
    await c.services.state.update('boot', 1)
    await waitFor(() => a.services.state.get(c.peerId, 'boot') === 1, 5000, 'c to be heard')

    // c goes down; the others write 1,000 updates.
    await c.stop()
    running.splice(running.indexOf(c), 1)
    const writers = [a, b, d]
    await Promise.all(writers.map(async (w, wi) => {
      for (let i = wi; i < UPDATES; i += writers.length) await w.services.state.update(`item-${i}`, { i, by: wi })
    }))
    const total = (n: MeshNode): number => writers.reduce((sum, w) => sum + Object.keys(n.services.state.all()[w.peerId.toString()] ?? {}).length, 0)
    await waitFor(() => writers.every(n => total(n) === UPDATES), 20_000, 'the writers to hear each other')
    // Past gossipsub's gossip window (3 heartbeats of 500 ms): the missed messages are no longer offered by IHAVE.
    await new Promise(resolve => setTimeout(resolve, 2000))

    // c restarts: a new libp2p node with the same key, continuing from the view it held.
    const view = c.services.state.view
    const c2 = await start({ privateKey: key, state: { ...state, view } })
    assert.equal(c2.peerId.toString(), c.peerId.toString())
    await connect(c2, b)
    await waitFor(() => total(c2) === UPDATES, 20_000, 'c to catch up')

    const stateStats = c2.services.state.stats
    const syncStats = c2.services.antiEntropy.stats
    assert.equal(stateStats.received, 0, 'nothing missed came by gossip')
    assert.equal(stateStats.repaired, UPDATES, 'every missed update was repaired')
    assert.equal(syncStats.keysReceived, UPDATES)
    assert.ok(syncStats.rounds >= 1)
    assert.equal(c2.services.state.get(c2.peerId, 'boot'), 1, 'its own state survived in the kept view')
    assert.deepEqual(c2.services.state.get(d.peerId, 'item-2'), { i: 2, by: 2 })

    // And gossip works again for what happens next, once b has taken c back into its mesh.
    const meshOf = (n: MeshNode): string[] => (n.services.pubsub as unknown as { getMeshPeers(topic: string): string[] }).getMeshPeers(GOSSIP_STATE_TOPIC)
    await waitFor(() => meshOf(b).includes(c2.peerId.toString()), 5000, 'b to graft the restarted c')
    await a.services.state.update('after', true)
    await waitFor(() => c2.services.state.get(a.peerId, 'after') === true, 5000, 'gossip after the restart')
    assert.equal(c2.services.state.stats.received, 1)
  })
})
