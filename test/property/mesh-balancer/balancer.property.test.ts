import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { HealthView } from '../../../src/mesh/core/health/health-view.js'
import { LoadBalancer } from '../../../src/mesh/core/balancer/load-balancer.js'
import { seededRandom } from '../../../src/util/pure/random.js'

const peerIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `12D3KooW-peer-${i}`)

function aliveView (peers: readonly string[]): HealthView {
  const view = new HealthView()
  for (const p of peers) view.heartbeat(p, {}, 0)
  return view
}

describe('balancer properties', () => {
  it('round-robin is fair: counts differ by at most 1, whatever order candidates come in', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 300 }), fc.integer(), (n, picks, seed) => {
      const peers = peerIds(n)
      const lb = new LoadBalancer({ health: aliveView(peers) })
      const rng = seededRandom(seed)
      const counts = new Map(peers.map((p) => [p, 0]))
      for (let i = 0; i < picks; i++) {
        const chosen = lb.select(rng.shuffle(peers)) as string
        counts.set(chosen, (counts.get(chosen) ?? 0) + 1)
      }
      const values = [...counts.values()]
      assert.ok(Math.max(...values) - Math.min(...values) <= 1)
    }))
  })

  it('smooth weighted round-robin: exact shares every full cycle, and never strays more than n picks from w/W', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 5 }), (weights, cycles) => {
      const peers = peerIds(weights.length)
      const weightOf = (p: string): number => weights[peers.indexOf(p)] as number
      const lb = new LoadBalancer({ health: aliveView(peers), weightOf })
      const total = weights.reduce((a, b) => a + b, 0)
      const counts = new Map(peers.map((p) => [p, 0]))
      for (let k = 1; k <= total * cycles; k++) {
        const chosen = lb.select(peers, { algorithm: 'weighted-round-robin' }) as string
        counts.set(chosen, (counts.get(chosen) as number) + 1)
        for (const p of peers) assert.ok(Math.abs((counts.get(p) as number) - (k * weightOf(p)) / total) <= peers.length)
      }
      for (const p of peers) assert.equal(counts.get(p), weightOf(p) * cycles)
    }))
  })

  it('consistent hashing: a joining node takes about 1/(N+1) of the keys, and only keys that move to it move', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `object/${i}`)
    fc.assert(fc.property(fc.integer({ min: 2, max: 24 }), fc.string({ minLength: 1, maxLength: 12 }), (n, salt) => {
      const peers = peerIds(n).map((p) => `${p}-${salt}`)
      const joiner = `joiner-${salt}`
      const view = aliveView([...peers, joiner])
      const lb = new LoadBalancer({ health: view, algorithm: 'consistent-hash' })
      const before = keys.map((key) => lb.select(peers, { key }))
      const after = keys.map((key) => lb.select([...peers, joiner], { key }))
      let moved = 0
      keys.forEach((_, i) => {
        if (before[i] !== after[i]) {
          moved++
          assert.equal(after[i], joiner)
        }
      })
      const expected = keys.length / (n + 1)
      assert.ok(moved >= expected * 0.4 && moved <= expected * 1.75, `n=${n}: moved ${moved}, expected about ${expected.toFixed(0)}`)
    }), { numRuns: 40 })
  })

  it('consistent hashing: every key maps to an alive candidate while some are suspect or dead', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 16 }), fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }), fc.array(fc.string(), { minLength: 1, maxLength: 50 }), (n, down, keys) => {
      const peers = peerIds(n)
      const view = aliveView(peers)
      peers.forEach((p, i) => { if (down[i] === true) view.connectionClosed(p, 0) })
      const lb = new LoadBalancer({ health: view, algorithm: 'consistent-hash' })
      const alive = peers.filter((p) => view.statusOf(p) === 'alive')
      for (const key of keys) {
        const chosen = lb.select(peers, { key })
        if (alive.length === 0) assert.equal(chosen, undefined)
        else assert.ok(chosen !== undefined && alive.includes(chosen))
      }
    }))
  })

  it('least-connections never picks a peer with more calls in flight than another eligible one', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 10 }), (inFlight) => {
      const peers = peerIds(inFlight.length)
      const lb = new LoadBalancer({ health: aliveView(peers) })
      peers.forEach((p, i) => { for (let k = 0; k < (inFlight[i] as number); k++) lb.acquire(p) })
      const chosen = lb.select(peers, { algorithm: 'least-connections' }) as string
      assert.equal(lb.inFlight(chosen), Math.min(...inFlight))
    }))
  })
})
