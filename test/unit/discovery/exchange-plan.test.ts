import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { planExchangeDials, selectAnnouncementTargets, selectPeersToShare } from '../../../src/discovery/core/exchange-plan.js'
import type { ExchangeCandidate } from '../../../src/discovery/core/exchange-plan.js'
import { seededRandom } from '../../../src/util/pure/random.js'

const peer = (id: string, n = 1): ExchangeCandidate => ({ id, addrs: Array.from({ length: n }, (_, i) => `/ip4/127.0.0.1/tcp/${4000 + i}`) })

describe('selectPeersToShare', () => {
  it('caps the list, never tells the recipient about itself and drops peers without addresses', () => {
    const candidates = [peer('r'), peer('none', 0), ...Array.from({ length: 50 }, (_, i) => peer(`p${i}`, 12))]
    const shared = selectPeersToShare(candidates, { recipient: 'r', maxPeers: 32, maxAddrsPerPeer: 8 }, seededRandom(1))
    assert.equal(shared.length, 32)
    assert.ok(shared.every(p => p.id !== 'r' && p.id !== 'none' && p.addrs.length === 8))
    assert.equal(new Set(shared.map(p => p.id)).size, 32)
  })

  it('samples uniformly: every eligible peer is shared sometimes', () => {
    const candidates = Array.from({ length: 10 }, (_, i) => peer(`p${i}`))
    const seen = new Set<string>()
    const random = seededRandom(4)
    for (let i = 0; i < 50; i++) for (const p of selectPeersToShare(candidates, { recipient: 'x', maxPeers: 3, maxAddrsPerPeer: 1 }, random)) seen.add(p.id)
    assert.equal(seen.size, 10)
  })
})

describe('planExchangeDials', () => {
  const base = { self: 'me', connected: new Set<string>(), dialing: new Set<string>(), minConnections: 8, maxConnections: 32 }

  it('dials new peers only up to minConnections, skipping self, connected and pending peers', () => {
    const received = [peer('me'), peer('c1'), peer('d1'), ...Array.from({ length: 20 }, (_, i) => peer(`n${i}`)), peer('n0')]
    const plan = planExchangeDials(received, { ...base, connected: new Set(['c1', 'c2']), dialing: new Set(['d1']) }, seededRandom(2))
    assert.equal(plan.length, 5)
    assert.ok(plan.every(p => p.id.startsWith('n')))
    assert.equal(new Set(plan.map(p => p.id)).size, 5)
  })

  it('keeps large meshes sparse: never dials at or above the budget, whatever the numbers', () => {
    fc.assert(fc.property(fc.nat(40), fc.nat(10), fc.nat(40), fc.nat(40), fc.nat(60), fc.integer(), (connected, dialing, min, max, offered, seed) => {
      const budget = {
        self: 'me',
        connected: new Set(Array.from({ length: connected }, (_, i) => `c${i}`)),
        dialing: new Set(Array.from({ length: dialing }, (_, i) => `d${i}`)),
        minConnections: min,
        maxConnections: max
      }
      const plan = planExchangeDials(Array.from({ length: offered }, (_, i) => peer(`n${i}`)), budget, seededRandom(seed))
      assert.ok(connected + dialing + plan.length <= Math.max(connected + dialing, Math.min(min, max)))
      assert.equal(plan.length, Math.max(0, Math.min(offered, Math.min(min, max) - connected - dialing)))
    }))
  })
})

describe('selectAnnouncementTargets', () => {
  it('tells at most fanout members, never the newcomer, the peers it named, or one member twice', () => {
    fc.assert(fc.property(
      fc.array(fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `m${i}`), 'new'), { maxLength: 30 }),
      fc.subarray(Array.from({ length: 12 }, (_, i) => `m${i}`)),
      fc.integer({ min: 0, max: 20 }),
      fc.integer(),
      (members, known, fanout, seed) => {
        const targets = selectAnnouncementTargets(members, { newcomer: 'new', known: new Set(known), fanout }, seededRandom(seed))
        const eligible = new Set(members.filter(m => m !== 'new' && !known.includes(m)))
        assert.equal(new Set(targets).size, targets.length)
        assert.equal(targets.length, Math.min(fanout, eligible.size))
        assert.ok(targets.every(t => eligible.has(t)))
      }
    ))
  })

  it('samples uniformly: every eligible member is told sometimes', () => {
    const members = Array.from({ length: 10 }, (_, i) => `m${i}`)
    const told = new Set<string>()
    const random = seededRandom(3)
    for (let i = 0; i < 50; i++) for (const t of selectAnnouncementTargets(members, { newcomer: 'n', known: new Set(['m0']), fanout: 2 }, random)) told.add(t)
    assert.deepEqual([...told].sort(), members.slice(1).sort())
  })
})
