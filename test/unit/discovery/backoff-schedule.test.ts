import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { createBackoff } from '../../../src/discovery/core/backoff.js'
import { ResolveSchedule, nextResolveDelay } from '../../../src/discovery/core/resolve-schedule.js'
import { seededRandom } from '../../../src/util/pure/random.js'

describe('createBackoff', () => {
  it('without jitter doubles from baseDelay and stops at maxDelay', () => {
    const b = createBackoff({ baseDelay: 100, maxDelay: 1000, jitter: 'none' })
    const r = seededRandom(1)
    assert.deepEqual([0, 1, 2, 3, 4, 50, 5000].map(a => b.nextDelay(a, r)), [100, 200, 400, 800, 1000, 1000, 1000])
  })

  it('full jitter stays within [0, min(cap, base·2^attempt)] and spreads over that range', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 64 }), fc.integer(),
      (base, extra, attempt, seed) => {
        const b = createBackoff({ baseDelay: base, maxDelay: base + extra, jitter: 'full' })
        const d = b.nextDelay(attempt, seededRandom(seed))
        assert.ok(Number.isInteger(d) && d >= 0 && d <= Math.min(base + extra, base * 2 ** attempt))
      }))
    const b = createBackoff({ baseDelay: 100, maxDelay: 10_000 })
    const r = seededRandom(5)
    const delays = Array.from({ length: 2000 }, () => b.nextDelay(3, r))
    const mean = delays.reduce((s, d) => s + d, 0) / delays.length
    assert.ok(Math.abs(mean - 400) < 25, `mean ${mean} (expected ~400)`)
    assert.ok(Math.min(...delays) < 40 && Math.max(...delays) > 760)
  })

  it('decorrelated jitter stays within [base, cap], grows from the previous delay and resets at attempt 0', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 60_000 }), fc.integer(), (base, extra, seed) => {
      const b = createBackoff({ baseDelay: base, maxDelay: base + extra, jitter: 'decorrelated' })
      const r = seededRandom(seed)
      let previous = base
      for (let attempt = 0; attempt < 30; attempt++) {
        const d = b.nextDelay(attempt, r)
        assert.ok(d >= base && d <= base + extra)
        assert.ok(d <= Math.max(base, Math.floor(Math.min(base + extra, previous * 3))), `attempt ${attempt}: ${d} after ${previous}`)
        previous = Math.max(base, d)
      }
    }))
    const b = createBackoff({ baseDelay: 10, maxDelay: 100_000, jitter: 'decorrelated' })
    const r = seededRandom(2)
    let last = 0
    for (let a = 0; a < 40; a++) last = b.nextDelay(a, r)
    assert.ok(last > 1000, `after 40 attempts the delay has grown (${last})`)
    assert.ok(b.nextDelay(0, r) <= 30, 'attempt 0 starts again from baseDelay')
  })

  it('rejects nonsensical options with a named error', () => {
    assert.throws(() => createBackoff({ baseDelay: 0, maxDelay: 10 }), { name: 'InvalidDiscoveryOptionsError' })
    assert.throws(() => createBackoff({ baseDelay: 10, maxDelay: 5 }), { name: 'InvalidDiscoveryOptionsError' })
    assert.throws(() => createBackoff({ baseDelay: 10, maxDelay: 50, factor: 0.5 }), { name: 'InvalidDiscoveryOptionsError' })
  })
})

describe('re-resolution schedule', () => {
  it('clamps the smallest TTL into [minInterval, maxInterval]', () => {
    assert.equal(nextResolveDelay([30_000, 5_000], 1_000, 60_000), 5_000)
    assert.equal(nextResolveDelay([10], 1_000, 60_000), 1_000)
    assert.equal(nextResolveDelay([3_600_000], 1_000, 60_000), 60_000)
    assert.equal(nextResolveDelay([], 1_000, 60_000), 60_000)
    fc.assert(fc.property(fc.array(fc.nat()), fc.nat(10_000), fc.nat(10_000), (ttls, a, b) => {
      const [min, max] = a <= b ? [a, b] : [b, a]
      const d = nextResolveDelay(ttls, min, max)
      assert.ok(d >= min && d <= max)
      if (ttls.length > 0 && Math.min(...ttls) >= min && Math.min(...ttls) <= max) assert.equal(d, Math.min(...ttls))
    }))
  })

  it('backs off on consecutive failures and resets after a success', () => {
    const s = new ResolveSchedule({ minInterval: 100, maxInterval: 10_000, retry: { baseDelay: 50, jitter: 'none' } })
    const r = seededRandom(1)
    assert.deepEqual([s.failed(r), s.failed(r), s.failed(r)], [50, 100, 200])
    assert.equal(s.consecutiveFailures, 3)
    assert.equal(s.succeeded([2_000]), 2_000)
    assert.equal(s.consecutiveFailures, 0)
    assert.equal(s.failed(r), 50)
    for (let i = 0; i < 20; i++) s.failed(r)
    assert.equal(s.failed(r), 10_000, 'failures are capped at maxInterval by default')
  })

  it('rejects inverted intervals', () => {
    assert.throws(() => new ResolveSchedule({ minInterval: 10, maxInterval: 5 }), { name: 'InvalidDiscoveryOptionsError' })
  })
})
