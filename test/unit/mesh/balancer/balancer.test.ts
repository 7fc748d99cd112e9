import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HealthView } from '../../../../src/mesh/core/health/health-view.js'
import { InvalidOptionError } from '../../../../src/mesh/core/health/errors.js'
import type { HeartbeatPayload } from '../../../../src/mesh/core/health/types.js'
import { LoadBalancer } from '../../../../src/mesh/core/balancer/load-balancer.js'
import { failoverOrder } from '../../../../src/mesh/core/balancer/failover.js'
import { BALANCER_ALGORITHMS } from '../../../../src/mesh/core/balancer/types.js'
import type { BalancerAlgorithm } from '../../../../src/mesh/core/balancer/types.js'
import { BreakerRegistry } from '../../../../src/mesh/core/breaker/registry.js'
import { seededRandom } from '../../../../src/util/pure/random.js'

/** A health view in which every peer heartbeated at time 0 with the given payload. */
function viewOf (peers: Record<string, HeartbeatPayload>): HealthView {
  const view = new HealthView()
  for (const [peer, payload] of Object.entries(peers)) view.heartbeat(peer, payload, 0)
  return view
}

function pickMany (lb: LoadBalancer, candidates: string[], n: number, algorithm: BalancerAlgorithm): Array<string | undefined> {
  return Array.from({ length: n }, () => lb.select(candidates, { algorithm }))
}

describe('balancer: eligibility', () => {
  it('leaves out unknown, suspect and dead peers for every algorithm', () => {
    const view = viewOf({ a: {}, b: {}, c: {} })
    view.connectionClosed('b', 0)
    view.connectionClosed('c', 0)
    for (let t = 100; t <= 1000; t += 100) { view.heartbeat('a', { seq: t }, t); view.tick(t) }
    view.heartbeat('c', {}, 1000)
    view.connectionClosed('c', 1000)
    assert.equal(view.statusOf('b'), 'dead')
    assert.equal(view.statusOf('c'), 'suspect')
    const lb = new LoadBalancer({ health: view, random: seededRandom(1) })
    for (const algorithm of BALANCER_ALGORITHMS) {
      for (let i = 0; i < 20; i++) assert.equal(lb.select(['a', 'b', 'c', 'unknown'], { algorithm, key: `k${i}` }), 'a', algorithm)
    }
  })

  it('returns undefined when nothing is eligible and counts it', () => {
    const lb = new LoadBalancer({ health: new HealthView() })
    assert.equal(lb.select([]), undefined)
    assert.equal(lb.select(['nobody']), undefined)
    assert.equal(lb.stats().empty['round-robin'], 2)
    assert.deepEqual(lb.failoverOrder(['nobody']), [])
  })

  it('honours maxLoad, maxInFlight and the breaker gate', () => {
    const view = viewOf({ a: { load: 0.9 }, b: { load: 0.2 }, c: { load: 0.1 } })
    const breakers = new BreakerRegistry({ minimumRequests: 2, openMs: 1000 })
    const lb = new LoadBalancer({ health: view, maxLoad: 0.8, maxInFlight: 2, gate: breakers })
    const picks = new Set(pickMany(lb, ['a', 'b', 'c'], 10, 'round-robin'))
    assert.deepEqual([...picks].sort(), ['b', 'c'])
    lb.acquire('c'); lb.acquire('c')
    assert.deepEqual(new Set(pickMany(lb, ['a', 'b', 'c'], 5, 'round-robin')), new Set(['b']))
    breakers.onFailure('b', 0); breakers.onFailure('b', 0)
    assert.equal(breakers.stateOf('b', 0), 'open')
    assert.equal(lb.select(['a', 'b', 'c'], { now: 10 }), undefined)
    lb.release('c')
    assert.equal(lb.select(['a', 'b', 'c'], { now: 10 }), 'c')
    assert.equal(lb.select(['a', 'b', 'c'], { now: 1000 }) !== undefined, true, 'half-open after the open timeout')
  })

  it('de-duplicates candidates', () => {
    const lb = new LoadBalancer({ health: viewOf({ a: {}, b: {} }) })
    const counts = { a: 0, b: 0 }
    for (let i = 0; i < 10; i++) counts[lb.select(['a', 'a', 'a', 'b']) as 'a' | 'b']++
    assert.deepEqual(counts, { a: 5, b: 5 })
    const many = [...Array.from({ length: 20 }, () => 'a'), 'b']
    assert.deepEqual(pickMany(lb, many, 4, 'weighted-round-robin'), ['a', 'b', 'a', 'b'])
    assert.deepEqual(lb.failoverOrder(many, { algorithm: 'least-loaded' }).sort(), ['a', 'b'])
  })
})

describe('balancer: algorithms', () => {
  it('round-robin rotates in a fixed order whatever order candidates come in', () => {
    const lb = new LoadBalancer({ health: viewOf({ a: {}, b: {}, c: {} }) })
    const orders = [['c', 'a', 'b'], ['b', 'c', 'a'], ['a', 'b', 'c']]
    const picks = Array.from({ length: 6 }, (_, i) => lb.select(orders[i % 3] as string[]))
    assert.deepEqual(picks, ['a', 'b', 'c', 'a', 'b', 'c'])
  })

  it('random replays with the same seed and needs a Random', () => {
    const view = viewOf({ a: {}, b: {}, c: {}, d: {} })
    const one = new LoadBalancer({ health: view, algorithm: 'random', random: seededRandom(9) })
    const two = new LoadBalancer({ health: view, algorithm: 'random', random: seededRandom(9) })
    const a = pickMany(one, ['a', 'b', 'c', 'd'], 50, 'random')
    assert.deepEqual(a, pickMany(two, ['a', 'b', 'c', 'd'], 50, 'random'))
    assert.equal(new Set(a).size, 4)
    assert.throws(() => new LoadBalancer({ health: view, algorithm: 'random' }).select(['a']), InvalidOptionError)
  })

  it('smooth weighted round-robin interleaves (5,1,1 → a a b a c a a)', () => {
    const lb = new LoadBalancer({ health: viewOf({ a: {}, b: {}, c: {} }), weightOf: (p) => ({ a: 5, b: 1, c: 1 } as Record<string, number>)[p] ?? 0 })
    assert.deepEqual(pickMany(lb, ['a', 'b', 'c'], 7, 'weighted-round-robin'), ['a', 'a', 'b', 'a', 'c', 'a', 'a'])
  })

  it('weighted round-robin takes weights from reported capacity by default and skips weight 0', () => {
    const lb = new LoadBalancer({ health: viewOf({ a: { capacity: 3 }, b: {} }) })
    const picks = pickMany(lb, ['a', 'b'], 8, 'weighted-round-robin')
    assert.equal(picks.filter((p) => p === 'a').length, 6)
    const zero = new LoadBalancer({ health: viewOf({ a: {}, b: {} }), weightOf: (p) => (p === 'a' ? 0 : 1) })
    assert.deepEqual(new Set(pickMany(zero, ['a', 'b'], 4, 'weighted-round-robin')), new Set(['b']))
  })

  it('least-connections picks the fewest in flight and rotates ties', () => {
    const lb = new LoadBalancer({ health: viewOf({ a: {}, b: {}, c: {} }) })
    lb.acquire('a'); lb.acquire('a'); lb.acquire('b')
    assert.equal(lb.select(['a', 'b', 'c'], { algorithm: 'least-connections' }), 'c')
    lb.acquire('c')
    assert.equal(lb.select(['a', 'b', 'c'], { algorithm: 'least-connections' }), 'b')
    lb.release('a'); lb.release('a'); lb.release('a')
    assert.equal(lb.inFlight('a'), 0)
    assert.equal(lb.select(['a', 'b', 'c'], { algorithm: 'least-connections' }), 'a')
    lb.release('b'); lb.release('c')
    assert.deepEqual(pickMany(lb, ['a', 'b', 'c'], 3, 'least-connections').sort(), ['a', 'b', 'c'])
  })

  it('least-loaded follows the heartbeat load score', () => {
    const view = viewOf({ a: { load: 0.5 }, b: { load: 0.2 }, c: { load: 0.7 } })
    const lb = new LoadBalancer({ health: view })
    assert.equal(lb.select(['a', 'b', 'c'], { algorithm: 'least-loaded' }), 'b')
    view.heartbeat('b', { load: 0.9 }, 10)
    assert.equal(lb.select(['a', 'b', 'c'], { algorithm: 'least-loaded' }), 'a')
    assert.deepEqual(lb.balancer('least-loaded').rank(['a', 'b', 'c']), ['a', 'c', 'b'])
  })

  it('least-response-time follows observed latency, falling back to reported latency or RTT', () => {
    const view = viewOf({ a: { latencyMs: 30 }, b: {}, c: {} })
    view.rtt('b', 20, 1)
    view.rtt('c', 50, 1)
    const lb = new LoadBalancer({ health: view, latencyAlpha: 1 })
    assert.equal(lb.select(['a', 'b', 'c'], { algorithm: 'least-response-time' }), 'b')
    lb.observeLatency('b', 80)
    assert.equal(lb.select(['a', 'b', 'c'], { algorithm: 'least-response-time' }), 'a')
    lb.observeLatency('c', 5)
    assert.equal(lb.select(['a', 'b', 'c'], { algorithm: 'least-response-time' }), 'c')
    assert.equal(lb.latencyOf('c'), 5)
  })

  it('consistent hashing maps a key to the same peer whatever the candidate order, and moves only the keys of a peer that drops out', () => {
    const peers = ['n1', 'n2', 'n3', 'n4', 'n5']
    const view = viewOf(Object.fromEntries(peers.map((p) => [p, {}])))
    const lb = new LoadBalancer({ health: view, algorithm: 'consistent-hash' })
    const keys = Array.from({ length: 500 }, (_, i) => `key-${i}`)
    const before = keys.map((key) => lb.select(peers, { key }))
    assert.deepEqual(keys.map((key) => lb.select([...peers].reverse(), { key })), before)
    assert.ok(new Set(before).size === 5)
    view.connectionClosed('n3', 0)
    const after = keys.map((key) => lb.select(peers, { key }))
    keys.forEach((_, i) => {
      if (before[i] !== 'n3') assert.equal(after[i], before[i])
      else assert.notEqual(after[i], 'n3')
    })
    assert.deepEqual(new Set(pickMany(lb, peers, 8, 'consistent-hash')), new Set(['n1', 'n2', 'n4', 'n5']), 'no key: rotation')
  })

  it('rejects an unknown algorithm with UnknownAlgorithmError', () => {
    assert.throws(() => new LoadBalancer({ health: new HealthView(), algorithm: 'fastest' as BalancerAlgorithm }), { name: 'UnknownAlgorithmError' })
  })

  it('counts selections by algorithm', () => {
    const lb = new LoadBalancer({ health: viewOf({ a: {} }), random: seededRandom(1) })
    pickMany(lb, ['a'], 3, 'round-robin')
    pickMany(lb, ['a'], 2, 'random')
    lb.select(['a'], { algorithm: 'consistent-hash', key: 'x' })
    const s = lb.stats().selections
    assert.deepEqual([s['round-robin'], s.random, s['consistent-hash'], s['least-loaded']], [3, 2, 1, 0])
  })
})

describe('balancer: failover order', () => {
  it('starts with the selected peer, then every other eligible one once, up to maxAttempts', () => {
    const view = viewOf({ a: { load: 0.3 }, b: { load: 0.1 }, c: { load: 0.2 }, d: {} })
    view.connectionClosed('d', 0)
    const lb = new LoadBalancer({ health: view, random: seededRandom(3) })
    for (const algorithm of BALANCER_ALGORITHMS) {
      const order = lb.failoverOrder(['a', 'b', 'c', 'd'], { algorithm, key: 'k' })
      assert.equal(order.length, 3, algorithm)
      assert.deepEqual([...order].sort(), ['a', 'b', 'c'], algorithm)
    }
    assert.deepEqual(lb.failoverOrder(['a', 'b', 'c'], { algorithm: 'least-loaded' }), ['b', 'c', 'a'])
    assert.equal(lb.failoverOrder(['a', 'b', 'c'], { maxAttempts: 2 }).length, 2)
  })

  it('for consistent hashing the next peer is where the key goes if the first one fails', () => {
    const peers = Array.from({ length: 8 }, (_, i) => `p${i}`)
    const view = viewOf(Object.fromEntries(peers.map((p) => [p, {}])))
    const lb = new LoadBalancer({ health: view, algorithm: 'consistent-hash' })
    for (let i = 0; i < 50; i++) {
      const key = `user:${i}`
      const [first, second] = failoverOrder(lb.balancer('consistent-hash'), peers, { key })
      assert.equal(lb.select(peers.filter((p) => p !== first), { key }), second)
    }
  })
})
