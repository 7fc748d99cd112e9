import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { CircuitBreaker } from '../../../../src/mesh/core/breaker/circuit-breaker.js'
import { BreakerRegistry } from '../../../../src/mesh/core/breaker/registry.js'
import { CircuitOpenError } from '../../../../src/mesh/core/breaker/errors.js'
import { DEFAULT_BREAKER_OPTIONS } from '../../../../src/mesh/core/breaker/constants.js'

const opts = { windowMs: 1000, buckets: 10, failureRatio: 0.5, minimumRequests: 4, openMs: 500, halfOpenSuccesses: 2, maxHalfOpenProbes: 1 }

describe('CircuitBreaker', () => {
  it('stays closed below the minimum request count even at 100% failures', () => {
    const b = new CircuitBreaker(opts)
    for (let i = 0; i < 3; i++) b.onFailure(i)
    assert.equal(b.state(3), 'closed')
    b.onFailure(4)
    assert.equal(b.state(4), 'open')
    assert.deepEqual(b.takeTransitions(), [{ from: 'closed', to: 'open', at: 4, reason: 'failure-ratio' }])
    assert.deepEqual(b.takeTransitions(), [])
  })

  it('opens when the failure ratio reaches the threshold, not below it', () => {
    const below = new CircuitBreaker(opts)
    for (let i = 0; i < 3; i++) below.onSuccess(i)
    below.onFailure(3); below.onFailure(4)
    assert.equal(below.state(5), 'closed', '2 of 5 = 40%')
    below.onFailure(6)
    assert.equal(below.state(6), 'open', '3 of 6 = 50%')
  })

  it('forgets results older than the sliding window', () => {
    const b = new CircuitBreaker(opts)
    b.onFailure(0); b.onFailure(10); b.onFailure(20)
    assert.equal(b.snapshot(500).failures, 3)
    assert.equal(b.snapshot(1100).failures, 0)
    b.onFailure(1100)
    assert.equal(b.state(1100), 'closed', 'only 1 failure in the window')
  })

  it('open refuses calls and ignores late results; after openMs it is half-open with limited probes', () => {
    const b = new CircuitBreaker(opts)
    for (let i = 0; i < 4; i++) b.onFailure(0)
    assert.equal(b.canRequest(100), false)
    assert.equal(b.retryAfterMs(100), 400)
    b.onSuccess(200)
    assert.equal(b.state(200), 'open')
    assert.equal(b.state(500), 'half-open')
    assert.equal(b.isAvailable(500), true)
    assert.equal(b.canRequest(500), true)
    assert.equal(b.canRequest(500), false, 'one probe at a time')
    assert.equal(b.isAvailable(500), false)
    b.onSuccess(510)
    assert.equal(b.state(510), 'half-open')
    assert.equal(b.canRequest(520), true)
    b.onSuccess(530)
    assert.equal(b.state(530), 'closed')
    assert.deepEqual(b.takeTransitions().map((t) => `${t.from}>${t.to}:${t.reason}`), [
      'closed>open:failure-ratio', 'open>half-open:open-timeout', 'half-open>closed:probe-successes'
    ])
    assert.equal(b.snapshot(530).failures, 0, 'closing clears the window')
  })

  it('a failed probe opens it again for another openMs', () => {
    const b = new CircuitBreaker(opts)
    for (let i = 0; i < 4; i++) b.onFailure(0)
    assert.equal(b.canRequest(600), true)
    b.onFailure(650)
    assert.equal(b.state(650), 'open')
    assert.equal(b.canRequest(1100), false)
    assert.equal(b.state(1150), 'half-open')
    assert.equal(b.timesOpened, 2)
  })

  it('results with no probe reserved do not move a half-open breaker; cancelled and lost probes free their slot', () => {
    const b = new CircuitBreaker({ ...opts, probeTimeoutMs: 1000 })
    for (let i = 0; i < 4; i++) b.onFailure(0)
    assert.equal(b.state(500), 'half-open')
    b.onFailure(500)
    assert.equal(b.state(500), 'half-open')
    assert.equal(b.canRequest(500), true)
    b.onCancel(510)
    assert.equal(b.canRequest(520), true)
    assert.equal(b.canRequest(1000), false)
    assert.equal(b.canRequest(1521), true, 'the lost probe expired')
  })

  it('reset closes it', () => {
    const b = new CircuitBreaker(opts)
    for (let i = 0; i < 4; i++) b.onFailure(0)
    b.reset(1)
    assert.equal(b.state(1), 'closed')
    assert.equal(b.takeTransitions().at(-1)?.reason, 'reset')
  })

  it('never lets more than maxHalfOpenProbes calls through at once, whatever the sequence (property)', () => {
    const op = fc.oneof(fc.constant('req'), fc.constant('ok'), fc.constant('fail'), fc.constant('cancel'))
    fc.assert(fc.property(fc.array(fc.tuple(op, fc.integer({ min: 0, max: 300 })), { maxLength: 200 }), fc.integer({ min: 1, max: 3 }), (ops, maxProbes) => {
      const b = new CircuitBreaker({ ...opts, maxHalfOpenProbes: maxProbes })
      let now = 0
      let probes = 0
      for (const [kind, dt] of ops) {
        now += dt
        const before = b.state(now)
        if (before !== 'half-open') probes = 0
        if (kind === 'req') {
          const allowed = b.canRequest(now)
          if (before === 'open') assert.equal(allowed, false)
          if (before === 'closed') assert.equal(allowed, true)
          if (before === 'half-open' && allowed) probes++
        } else if (kind === 'ok') { b.onSuccess(now); if (probes > 0) probes-- } else if (kind === 'fail') b.onFailure(now)
        else { b.onCancel(now); if (probes > 0) probes-- }
        assert.ok(b.snapshot(now).probesInFlight <= maxProbes)
        assert.ok(probes <= maxProbes)
      }
    }))
  })

  it('rejects invalid options', () => {
    assert.throws(() => new CircuitBreaker({ failureRatio: 1.5 }), { name: 'InvalidOptionError' })
    assert.throws(() => new CircuitBreaker({ buckets: 2.5 }), { name: 'InvalidOptionError' })
    assert.ok(DEFAULT_BREAKER_OPTIONS.failureRatio > 0)
  })
})

describe('BreakerRegistry', () => {
  it('keeps one breaker per peer, reports states, transitions and counts', () => {
    const r = new BreakerRegistry(opts)
    assert.equal(r.canRequest('a', 0), true, 'unknown peer: closed')
    for (let i = 0; i < 4; i++) r.onFailure('a', 10)
    r.onSuccess('b', 10)
    assert.equal(r.stateOf('a', 10), 'open')
    assert.equal(r.isAvailable('a'), false)
    assert.equal(r.isAvailable('b'), true)
    assert.equal(r.isAvailable('never-seen'), true)
    assert.deepEqual(r.stats(), { total: 2, closed: 1, open: 1, halfOpen: 0, opened: 1 })
    assert.deepEqual(r.stats(600), { total: 2, closed: 1, open: 0, halfOpen: 1, opened: 1 })
    assert.deepEqual(r.takeTransitions().map((t) => `${t.peer}:${t.to}`), ['a:open', 'a:half-open'])
    const err = new CircuitOpenError('a', r.retryAfterMs('a', 600))
    assert.equal(err.name, 'CircuitOpenError')
    r.remove('a')
    assert.equal(r.stateOf('a', 700), 'closed')
  })
})
