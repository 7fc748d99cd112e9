import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PublishQueue } from '../../../../src/mesh/core/gossip-state/index.js'
import type { GossipUpdate } from '../../../../src/mesh/core/gossip-state/index.js'

const up = (key: string, version: number, owner = 'me'): GossipUpdate => ({ owner, key, version, deleted: false, value: version })
const keys = (us: GossipUpdate[]): string[] => us.map(u => `${u.key}@${u.version}`)

describe('PublishQueue', () => {
  it('holds updates until the mesh has peers, then flushes them', () => {
    const q = new PublishQueue({ capacity: 10, ratePerSecond: 1_000, burst: 100 })
    assert.equal(q.state, 'holding')
    q.offer(up('a', 1))
    q.offer(up('b', 2))
    assert.deepEqual(q.poll(0), [])
    assert.equal(q.nextSendAt(0), undefined)
    assert.equal(q.size, 2)
    q.setHasPeers(true)
    assert.equal(q.state, 'ready')
    assert.equal(q.nextSendAt(1), 1)
    assert.deepEqual(keys(q.poll(1)), ['a@1', 'b@2'])
    assert.equal(q.size, 0)
    q.setHasPeers(false)
    q.offer(up('c', 3))
    assert.deepEqual(q.poll(2), [])
  })

  it('coalesces repeated updates of a key: only the newest is sent, in the first one\'s place', () => {
    const q = new PublishQueue({ capacity: 10, ratePerSecond: 1_000, burst: 100 })
    assert.equal(q.offer(up('a', 1)), 'queued')
    assert.equal(q.offer(up('b', 2)), 'queued')
    assert.equal(q.offer(up('a', 3)), 'coalesced')
    assert.equal(q.offer(up('a', 2)), 'coalesced', 'an older offer is superseded')
    assert.equal(q.offer(up('a', 1, 'other')), 'queued', 'keys are per owner')
    q.setHasPeers(true)
    assert.deepEqual(q.poll(0).map(u => `${u.owner}:${u.key}@${u.version}`), ['me:a@3', 'me:b@2', 'other:a@1'])
  })

  it('signals backpressure when full, still coalescing waiting keys', () => {
    const q = new PublishQueue({ capacity: 2, ratePerSecond: 1, burst: 1 })
    q.offer(up('a', 1))
    q.offer(up('b', 2))
    assert.equal(q.full, true)
    assert.equal(q.offer(up('c', 3)), 'full')
    assert.equal(q.offer(up('a', 4)), 'coalesced')
    q.setHasPeers(true)
    assert.equal(q.poll(0).length, 1)
    assert.equal(q.full, false)
    assert.equal(q.offer(up('c', 3)), 'queued')
  })

  it('limits the rate with a token bucket driven by `now`', () => {
    const q = new PublishQueue({ capacity: 1_000, ratePerSecond: 10, burst: 5 })
    q.setHasPeers(true)
    for (let i = 0; i < 100; i++) q.offer(up(`k${i}`, i + 1))
    assert.equal(q.poll(0).length, 5, 'the burst')
    assert.equal(q.poll(0).length, 0)
    assert.equal(q.nextSendAt(0), 100)
    assert.equal(q.poll(50).length, 0)
    assert.equal(q.poll(100).length, 1)
    assert.equal(q.poll(1_100).length, 5, 'refill is capped at the burst')
    // 89 left: at 10/s they need about 8.9 s, never faster
    let sent = 0
    let t = 1_100
    while (q.size > 0) { t += 7; sent += q.poll(t).length }
    assert.equal(sent, 89)
    assert.ok(t >= 1_100 + 8_800 && t <= 1_100 + 9_000, `drained at ${t}`)
    q.offer(up('late', 1))
    assert.deepEqual(q.poll(t - 5_000), [], 'time going backwards adds no tokens')
    assert.equal(q.poll(t + 100).length, 1)
  })

  it('puts a failed publish back at the front and refunds its token', () => {
    const q = new PublishQueue({ capacity: 10, ratePerSecond: 1, burst: 1 })
    q.setHasPeers(true)
    q.offer(up('a', 1))
    q.offer(up('b', 2))
    const [first] = q.poll(0)
    assert.equal(first?.key, 'a')
    q.requeue(first as GossipUpdate)
    assert.deepEqual(keys(q.poll(0)), ['a@1'])
    q.offer(up('a', 5))
    q.requeue(up('a', 1))
    assert.deepEqual(keys(q.poll(10_000)), ['b@2'], 'a stale requeue is dropped, the newer a stays in its place')
    assert.deepEqual(keys(q.poll(20_000)), ['a@5'])
  })

  it('rejects invalid settings', () => {
    assert.throws(() => new PublishQueue({ capacity: 0, ratePerSecond: 1, burst: 1 }), RangeError)
    assert.throws(() => new PublishQueue({ capacity: 1, ratePerSecond: 0, burst: 1 }), RangeError)
    assert.throws(() => new PublishQueue({ capacity: 1, ratePerSecond: 1, burst: 0 }), RangeError)
  })
})
