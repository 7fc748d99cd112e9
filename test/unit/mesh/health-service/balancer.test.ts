import '../../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { AllAttemptsFailedError, NoPeerAvailableError } from '../../../../src/mesh/health/index.js'
import { seededRandom } from '../../../../src/util/pure/random.js'
import { connect, createHealthNode, waitFor } from './helpers.js'
import type { HealthNode } from './helpers.js'
import type { PeerId } from '@libp2p/interface'

describe('node selection and calls with failover over the healthy peers', () => {
  let client: HealthNode
  let servers: HealthNode[] = []

  before(async () => {
    client = await createHealthNode({
      health: {
        balancer: { algorithm: 'round-robin', random: seededRandom(3) },
        breakers: { minimumRequests: 3, failureRatio: 0.5, openMs: 60_000 }
      }
    })
    servers = await Promise.all([createHealthNode(), createHealthNode(), createHealthNode()])
    await Promise.all(servers.map(async s => connect(client, s)))
    await waitFor(() => servers.every(s => client.services.health.statusOf(s.peerId) === 'alive'), 3000, 'servers alive')
  })

  after(async () => {
    await Promise.all([client, ...servers].map(async n => n.stop()))
  })

  it('round-robin selection covers every healthy verified peer evenly', () => {
    const counts = new Map<string, number>()
    for (let i = 0; i < 30; i++) {
      const peer = client.services.health.balancer.select()
      assert.ok(peer != null)
      counts.set(peer.toString(), (counts.get(peer.toString()) ?? 0) + 1)
    }
    assert.deepEqual([...counts.values()], [10, 10, 10])
    assert.equal(client.services.health.balancer.stats().selections['round-robin'], 30)
  })

  it('consistent hashing maps a key to the same peer every time', () => {
    const first = client.services.health.balancer.select({ key: 'user:42', algorithm: 'consistent-hash' })
    for (let i = 0; i < 10; i++) {
      assert.ok(client.services.health.balancer.select({ key: 'user:42', algorithm: 'consistent-hash' })?.equals(first as PeerId))
    }
  })

  it('call() fails over to the next peer, and a failing peer\'s breaker opens and keeps it out of selection', async () => {
    const balancer = client.services.health.balancer
    const bad = servers[0]!.peerId
    const transitions: string[] = []
    client.services.health.addEventListener('breaker', (evt) => { transitions.push(`${evt.detail.peer}:${evt.detail.to}`) })
    const tried: string[] = []
    for (let i = 0; i < 12; i++) {
      const result = await balancer.call(async (peer, { signal }) => {
        assert.equal(signal.aborted, false)
        tried.push(peer.toString())
        if (peer.equals(bad)) throw new Error('boom')
        return peer.toString()
      })
      assert.notEqual(result, bad.toString())
    }
    assert.equal(client.services.health.breakers.stateOf(bad.toString(), Date.now()), 'open')
    assert.equal(tried.filter(p => p === bad.toString()).length, 3, 'opened at the third failure (minimumRequests 3)')
    assert.ok(balancer.stats().failovers >= 3)
    for (let i = 0; i < 12; i++) assert.ok(!balancer.select()?.equals(bad), 'an open breaker keeps the peer out')
    assert.ok(!balancer.candidates().includes(bad.toString()))
    await waitFor(() => transitions.includes(`${bad.toString()}:open`), 1000, 'a breaker event')
  })

  it('a non-retryable error is not failed over; when every peer fails the errors are reported', async () => {
    const balancer = client.services.health.balancer
    let calls = 0
    await assert.rejects(balancer.call(async () => { calls++; throw new TypeError('bad request') }, { retryable: (err) => !(err instanceof TypeError) }), TypeError)
    assert.equal(calls, 1)
    const err = await balancer.call(async () => { throw new Error('down') }, { attempts: 2 }).catch((e: unknown) => e)
    assert.ok(err instanceof AllAttemptsFailedError)
    assert.equal(err.peers.length, 2)
    assert.equal(err.errors.length, 2)
  })

  it('with no healthy peer, select() is undefined and call() rejects with NoPeerAvailableError', async () => {
    const lonely = await createHealthNode()
    try {
      assert.equal(lonely.services.health.balancer.select(), undefined)
      await assert.rejects(lonely.services.health.balancer.call(async () => 1), NoPeerAvailableError)
    } finally {
      await lonely.stop()
    }
  })

  it('a peer that dies drops out of selection', async () => {
    const gone = servers[2]!
    await gone.stop()
    await waitFor(() => client.services.health.statusOf(gone.peerId) !== 'alive', 2000, 'the stopped server leaves')
    for (let i = 0; i < 6; i++) assert.ok(!client.services.health.balancer.select()?.equals(gone.peerId))
  })
})
