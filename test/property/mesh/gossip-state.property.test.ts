import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { GossipStateView, PublishQueue } from '../../../src/mesh/core/gossip-state/index.js'
import type { GossipUpdate } from '../../../src/mesh/core/gossip-state/index.js'
import { syncInMemory } from '../../../src/mesh/core/anti-entropy/index.js'
import { seededRandom } from '../../../src/util/pure/random.js'

const owners = ['p1', 'p2', 'p3']
const writeArb = fc.record({
  owner: fc.integer({ min: 0, max: 2 }),
  key: fc.constantFrom('a', 'b', 'c'),
  value: fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null)),
  del: fc.boolean()
})

describe('gossip-state properties', () => {
  it('views converge whatever order, duplication or loss of gossip, once anti-entropy runs', () => {
    fc.assert(fc.property(fc.array(writeArb, { maxLength: 40 }), fc.integer(), (writes, seed) => {
      const random = seededRandom(seed)
      const views = owners.map(o => new GossipStateView(o))
      const published: GossipUpdate[] = []
      for (const w of writes) {
        const v = views[w.owner] as GossipStateView
        published.push(w.del ? v.delete(w.key) : v.update(w.key, w.value))
      }
      // gossip: each view gets a random subset, shuffled, with duplicates
      for (const v of views) {
        for (const u of random.shuffle([...published, ...published])) if (random.chance(0.6)) v.applyRemote(u)
      }
      // the newest write of each (owner, key) is what everyone must end with
      const expected: Record<string, Record<string, unknown>> = {}
      for (const u of published) {
        const byKey = expected[u.owner] ?? (expected[u.owner] = {})
        if (u.deleted) delete byKey[u.key]
        else byKey[u.key] = u.value
      }
      for (const o of Object.keys(expected)) if (Object.keys(expected[o] as object).length === 0) delete expected[o]
      // anti-entropy along a ring, twice around
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < views.length; i++) {
          const r = syncInMemory((views[i] as GossipStateView).syncStore, (views[(i + 1) % views.length] as GossipStateView).syncStore)
          assert.equal(r.completed, true)
        }
      }
      for (const v of views) assert.deepEqual(v.snapshot(), expected)
    }), { numRuns: 200 })
  })

  it('the publish queue sends, for each key, its newest offered update and never more than the bucket allows', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 50 })), { maxLength: 60 }),
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 5 }),
      (steps, rate, burst) => {
        const q = new PublishQueue({ capacity: 100, ratePerSecond: rate, burst })
        const newest = new Map<string, number>()
        const sent: GossipUpdate[] = []
        let version = 0
        let now = 0
        for (const [key, advance] of steps) {
          version++
          q.offer({ owner: 'me', key, version, deleted: false, value: version })
          newest.set(key, version)
          now += advance
          if (version === 3) q.setHasPeers(true)
          sent.push(...q.poll(now))
        }
        q.setHasPeers(true)
        while (q.size > 0) { now += 10; sent.push(...q.poll(now)) }
        // the last update sent for each key is the newest offered
        const lastSent = new Map<string, number>()
        for (const u of sent) lastSent.set(u.key, u.version)
        assert.deepEqual([...lastSent].sort(), [...newest].sort())
        // versions sent per key only increase
        const seen = new Map<string, number>()
        for (const u of sent) { assert.ok(u.version > (seen.get(u.key) ?? 0)); seen.set(u.key, u.version) }
        // the bucket: never more than burst + rate * elapsed
        assert.ok(sent.length <= burst + rate * now / 1000 + 1e-9)
      }
    ), { numRuns: 300 })
  })
})
