import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { HealthView } from '../../../src/mesh/core/health/health-view.js'
import { DEFAULT_HEALTH_OPTIONS } from '../../../src/mesh/core/health/constants.js'

const peers = ['a', 'b', 'c', 'd']

/** A scripted input: direct evidence, a vouch, a closed connection, or a tick, at an offset from the previous step. */
const stepArb = fc.record({
  kind: fc.constantFrom('vouch', 'vouch', 'heartbeat', 'connection-opened', 'connection-closed', 'tick', 'tick', 'tick'),
  peer: fc.constantFrom(...peers),
  voucher: fc.constantFrom(...peers, 'm'),
  dt: fc.integer({ min: 0, max: 400 })
})

describe('HealthView.vouch properties', () => {
  it('a vouch never changes what the view holds about a peer it already knows', () => {
    fc.assert(fc.property(fc.array(stepArb, { maxLength: 80 }), (steps) => {
      const view = new HealthView()
      let now = 0
      for (const step of steps) {
        now += step.dt
        if (step.kind === 'vouch') {
          const before = view.get(step.peer)
          const events = view.vouch(step.peer, step.voucher, now)
          if (before !== undefined || step.peer === step.voucher) {
            assert.deepEqual(events, [])
            assert.deepEqual(view.get(step.peer), before)
          } else {
            assert.deepEqual(events.map(e => `${e.type}:${e.reason}`), ['joined:vouched'])
          }
        } else if (step.kind === 'heartbeat') {
          view.heartbeat(step.peer, {}, now)
        } else if (step.kind === 'connection-opened') {
          view.connectionOpened(step.peer, now)
        } else if (step.kind === 'connection-closed') {
          view.connectionClosed(step.peer, now)
        } else {
          view.tick(now)
        }
      }
    }), { numRuns: 300 })
  })

  it('a peer known only by vouches is dead once deadAfterMs has passed since the first, however many vouches follow', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 10_000 }),
      fc.array(fc.tuple(fc.constantFrom('m1', 'm2', 'm3'), fc.integer({ min: 0, max: 3_000 })), { maxLength: 20 }),
      (start, later) => {
        const view = new HealthView()
        view.vouch('n', 'm0', start)
        const vouches = [...later].sort((x, y) => x[1] - y[1])
        const deadline = start + DEFAULT_HEALTH_OPTIONS.deadAfterMs
        let v = 0
        for (let t = start; t <= deadline; t += DEFAULT_HEALTH_OPTIONS.tickIntervalMs) {
          while (v < vouches.length && start + (vouches[v] as [string, number])[1] <= t) {
            const [voucher, offset] = vouches[v] as [string, number]
            view.vouch('n', voucher, start + offset)
            v++
          }
          view.tick(t)
          const status = view.statusOf('n')
          if (t - start < DEFAULT_HEALTH_OPTIONS.suspectAfterMs) assert.equal(status, 'alive', `at +${t - start} ms`)
        }
        assert.equal(view.statusOf('n'), 'dead')
        assert.equal(view.get('n')?.vouchedBy, 'm0')
      }
    ), { numRuns: 200 })
  })
})
