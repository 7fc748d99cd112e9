import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HealthView } from '../../../src/mesh/core/health/health-view.js'
import { DEFAULT_HEALTH_OPTIONS } from '../../../src/mesh/core/health/constants.js'
import type { HealthEvent } from '../../../src/mesh/core/health/types.js'

const types = (events: HealthEvent[]): string[] => events.map((e) => `${e.type}:${e.peer}:${e.reason}`)

/** Ticks the view every 100 ms over [from, to] and returns the events. */
function tickThrough (view: HealthView, from: number, to: number): HealthEvent[] {
  const out: HealthEvent[] = []
  for (let t = from; t <= to; t += 100) out.push(...view.tick(t))
  return out
}

describe('HealthView.vouch: a member vouches for a peer that just connected to it', () => {
  it('an unknown peer joins alive, noted as vouched for by the member', () => {
    const view = new HealthView()
    assert.deepEqual(view.vouch('n', 'm', 1_000), [{ type: 'joined', peer: 'n', at: 1_000, previous: undefined, reason: 'vouched' }])
    assert.equal(view.statusOf('n'), 'alive')
    assert.equal(view.get('n')?.vouchedBy, 'm')
    assert.equal(view.get('n')?.connected, undefined, 'no connection of this node is implied')
    assert.equal(view.stats().joined, 1)
  })

  it('never changes a peer the view already knows: no refresh, no revival', () => {
    const view = new HealthView()
    view.connectionOpened('p', 0)
    tickThrough(view, 0, DEFAULT_HEALTH_OPTIONS.suspectAfterMs)
    assert.equal(view.statusOf('p'), 'suspect')
    const before = view.get('p')
    assert.deepEqual(view.vouch('p', 'm', 1_600), [])
    assert.equal(view.statusOf('p'), 'suspect', 'a vouch does not revive')
    assert.equal(view.get('p')?.lastHeard, before?.lastHeard, 'a vouch is not a sign of life')
    assert.equal(view.get('p')?.vouchedBy, undefined)
    // It still dies on time, as if the vouch had not come.
    const events = tickThrough(view, 1_700, DEFAULT_HEALTH_OPTIONS.deadAfterMs)
    assert.deepEqual(types(events), ['dead:p:silence'])
  })

  it('ignores a peer vouching for itself', () => {
    const view = new HealthView()
    assert.deepEqual(view.vouch('n', 'n', 0), [])
    assert.equal(view.statusOf('n'), undefined)
  })

  it('a vouched-for peer never heard from directly is suspect at suspectAfterMs and dead at deadAfterMs', () => {
    const view = new HealthView()
    view.vouch('n', 'm', 10_000)
    const { suspectAfterMs, deadAfterMs } = DEFAULT_HEALTH_OPTIONS
    // Phi (which needs direct arrivals) does not judge it: alive right up to the silence threshold.
    assert.deepEqual(tickThrough(view, 10_000, 10_000 + suspectAfterMs - 100), [])
    assert.deepEqual(types(view.tick(10_000 + suspectAfterMs)), ['suspect:n:silence'])
    assert.deepEqual(tickThrough(view, 10_000 + suspectAfterMs + 100, 10_000 + deadAfterMs - 100), [])
    assert.deepEqual(types(view.tick(10_000 + deadAfterMs)), ['dead:n:silence'])
  })

  it('the first direct sign of life replaces the vouch, and phi judges the peer from then on', () => {
    for (const direct of ['connection', 'heartbeat', 'rtt'] as const) {
      const view = new HealthView()
      view.vouch('n', 'm', 0)
      const events = direct === 'connection'
        ? view.connectionOpened('n', 50)
        : direct === 'heartbeat' ? view.heartbeat('n', { seq: 1 }, 50) : view.rtt('n', 3, 50)
      assert.deepEqual(events, [], `${direct}: already alive, so no event`)
      assert.equal(view.get('n')?.vouchedBy, undefined, `${direct} clears the vouch`)
      assert.equal(view.get('n')?.lastHeard, 50)
    }
    // Once direct, a silent peer is judged by phi again (suspect well before suspectAfterMs).
    const view = new HealthView()
    view.vouch('n', 'm', 0)
    view.connectionOpened('n', 0)
    const events = tickThrough(view, 0, 1_400)
    assert.deepEqual(types(events), ['suspect:n:phi'])
  })

  it('a later vouch by another member does not extend the deadline', () => {
    const view = new HealthView()
    view.vouch('n', 'm1', 0)
    assert.deepEqual(view.vouch('n', 'm2', 1_000), [])
    assert.equal(view.get('n')?.vouchedBy, 'm1')
    assert.deepEqual(types(tickThrough(view, 0, DEFAULT_HEALTH_OPTIONS.deadAfterMs)), ['suspect:n:silence', 'dead:n:silence'])
  })
})
