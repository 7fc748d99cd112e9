import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HealthView } from '../../../../src/mesh/core/health/health-view.js'
import { InvalidOptionError } from '../../../../src/mesh/core/health/errors.js'
import { DEFAULT_HEALTH_OPTIONS } from '../../../../src/mesh/core/health/constants.js'
import type { HealthEvent } from '../../../../src/mesh/core/health/types.js'

const types = (events: HealthEvent[]): string[] => events.map((e) => `${e.type}:${e.peer}`)

/** Feeds regular heartbeats from `peer` every `every` ms in [from, to), ticking every 100 ms; returns all events. */
function drive (view: HealthView, peer: string, from: number, to: number, every = 200, heartbeats = true): HealthEvent[] {
  const out: HealthEvent[] = []
  let seq = Math.floor(from / every)
  for (let t = from; t < to; t += 100) {
    if (heartbeats && t % every === 0) out.push(...view.heartbeat(peer, { seq: ++seq }, t))
    out.push(...view.tick(t))
  }
  return out
}

describe('HealthView: membership events', () => {
  it('reports joined once on the first sign of life, then nothing for further heartbeats', () => {
    const view = new HealthView()
    assert.deepEqual(types(view.connectionOpened('a', 0)), ['joined:a'])
    assert.deepEqual(view.heartbeat('a', { seq: 1 }, 10), [])
    assert.deepEqual(types(view.heartbeat('b', {}, 20)), ['joined:b'])
    assert.deepEqual(types(view.rtt('c', 5, 30)), ['joined:c'])
    const joined = view.connectionOpened('d', 40)[0]
    assert.deepEqual(joined, { type: 'joined', peer: 'd', at: 40, previous: undefined, reason: 'connection-opened' })
    assert.equal(view.stats().joined, 4)
    assert.equal(view.statusOf('a'), 'alive')
  })

  it('reports left on leave and forgets the peer; leaving an unknown peer does nothing', () => {
    const view = new HealthView()
    view.heartbeat('a', {}, 0)
    assert.deepEqual(view.leave('a', 5), [{ type: 'left', peer: 'a', at: 5, previous: 'alive', reason: 'left' }])
    assert.equal(view.get('a'), undefined)
    assert.deepEqual(view.leave('a', 6), [])
    assert.deepEqual(types(view.heartbeat('a', {}, 7)), ['joined:a'], 'a peer that comes back joins again')
  })

  it('ignores connection-closed for peers it never heard of', () => {
    const view = new HealthView()
    assert.deepEqual(view.connectionClosed('ghost', 0), [])
    assert.equal(view.stats().total, 0)
  })

  it('forgets dead peers after forgetDeadAfterMs with a left event', () => {
    const view = new HealthView({ forgetDeadAfterMs: 1000 })
    view.connectionOpened('a', 0)
    view.connectionClosed('a', 100)
    const events = drive(view, 'a', 100, 3000, 200, false)
    assert.deepEqual(events.map((e) => e.type), ['dead', 'left'])
    const left = events[1] as HealthEvent
    assert.equal(left.reason, 'forgotten')
    assert.ok(left.at - (events[0] as HealthEvent).at >= 1000)
    assert.equal(view.get('a'), undefined)
  })
})

describe('HealthView: failure detection', () => {
  it('keeps a peer with regular heartbeats alive with low phi', () => {
    const view = new HealthView()
    const events = drive(view, 'a', 0, 20_000)
    assert.deepEqual(types(events), ['joined:a'])
    const a = view.get('a')
    assert.ok(a !== undefined && a.phi < 1, `phi ${a?.phi}`)
    assert.ok(a.meanIntervalMs !== undefined && Math.abs(a.meanIntervalMs - 200) < 1)
  })

  it('a closed connection makes the peer suspect at once and dead after closedDeadAfterMs, not before', () => {
    const view = new HealthView()
    drive(view, 'a', 0, 5000)
    const closed = view.connectionClosed('a', 5000)
    assert.deepEqual(closed.map((e) => [e.type, e.reason]), [['suspect', 'connection-closed']])
    const later = drive(view, 'a', 5100, 7000, 200, false)
    assert.equal(later.length, 1)
    const dead = later[0] as HealthEvent
    assert.equal(dead.type, 'dead')
    assert.equal(dead.previous, 'suspect')
    assert.ok(dead.at - 5000 >= DEFAULT_HEALTH_OPTIONS.closedDeadAfterMs && dead.at - 5000 <= DEFAULT_HEALTH_OPTIONS.closedDeadAfterMs + 100)
  })

  it('a heartbeat after the connection closed refutes the suspicion; silence then kills it on the closed-connection clock', () => {
    const view = new HealthView()
    drive(view, 'a', 0, 2000)
    view.connectionClosed('a', 2000)
    assert.deepEqual(view.heartbeat('a', { seq: 100 }, 2050).map((e) => e.type), ['alive'])
    const later = drive(view, 'a', 2100, 4000, 200, false)
    assert.deepEqual(later.map((e) => e.type), ['suspect', 'dead'])
    assert.ok((later[1] as HealthEvent).at <= 2050 + 1000)
  })

  it('a new connection is a sign of life that revives a dead peer', () => {
    const view = new HealthView()
    view.connectionOpened('a', 0)
    view.connectionClosed('a', 10)
    drive(view, 'a', 100, 2000, 200, false)
    assert.equal(view.statusOf('a'), 'dead')
    assert.deepEqual(view.connectionOpened('a', 2000).map((e) => [e.type, e.previous]), [['alive', 'dead']])
    assert.equal(view.get('a')?.connected, true)
  })

  it('silence on an open connection: suspect first (phi), dead at deadAfterMs, always suspect for minSuspectMs first', () => {
    const view = new HealthView()
    drive(view, 'a', 0, 10_000)
    const events = drive(view, 'a', 10_000, 20_000, 200, false)
    assert.deepEqual(events.map((e) => e.type), ['suspect', 'dead'])
    const [suspect, dead] = events as [HealthEvent, HealthEvent]
    assert.equal(suspect.reason, 'phi')
    const lastHeartbeat = 9800
    assert.ok(suspect.at - lastHeartbeat < 1000, `suspect after ${suspect.at - lastHeartbeat} ms`)
    assert.ok(dead.at - lastHeartbeat >= DEFAULT_HEALTH_OPTIONS.deadAfterMs)
    assert.ok(dead.at - lastHeartbeat <= DEFAULT_HEALTH_OPTIONS.deadAfterMs + 100)
  })

  it('goes through suspect even when a single tick already sees a dead-length silence', () => {
    const view = new HealthView({ selfPauseThresholdMs: Infinity })
    view.heartbeat('a', {}, 0)
    const first = view.tick(5000)
    assert.deepEqual(first.map((e) => e.type), ['suspect'])
    assert.deepEqual(view.tick(5100), [], 'not dead before minSuspectMs')
    assert.deepEqual(view.tick(5300).map((e) => e.type), ['dead'])
  })

  it('learns slow, jittery heartbeats: a peer sending every ~1 s is not suspected for ordinary gaps', () => {
    const view = new HealthView({ heartbeatIntervalMs: 1000, suspectAfterMs: 2500, deadAfterMs: 4000 })
    const events: HealthEvent[] = []
    let seq = 0
    for (let t = 0; t < 60_000; t += 100) {
      if (t % 1000 === 0) events.push(...view.heartbeat('a', { seq: ++seq }, t + (seq % 3) * 100))
      events.push(...view.tick(t))
    }
    assert.deepEqual(types(events), ['joined:a'])
  })

  it('drops stale heartbeats (same boot, old seq): they neither revive nor update; a new boot is accepted', () => {
    const view = new HealthView()
    view.heartbeat('a', { bootId: 'x', seq: 5, load: 0.1 }, 0)
    view.connectionClosed('a', 10)
    drive(view, 'a', 100, 1500, 200, false)
    assert.equal(view.statusOf('a'), 'dead')
    assert.deepEqual(view.heartbeat('a', { bootId: 'x', seq: 5, load: 0.9 }, 1500), [])
    assert.deepEqual(view.heartbeat('a', { bootId: 'x', seq: 3 }, 1500), [])
    assert.equal(view.statusOf('a'), 'dead')
    assert.equal(view.get('a')?.load, 0.1)
    assert.equal(view.stats().staleHeartbeats, 2)
    assert.deepEqual(view.heartbeat('a', { bootId: 'y', seq: 1, load: 0.5 }, 1600).map((e) => e.type), ['alive'])
    assert.equal(view.get('a')?.load, 0.5)
  })

  it('records load, capacity and latency from heartbeats and an EWMA of RTTs', () => {
    const view = new HealthView({ rttAlpha: 0.5 })
    view.heartbeat('a', { load: 0.4, capacity: 2, latencyMs: 12 }, 0)
    view.heartbeat('a', { load: -1, capacity: 0, latencyMs: Number.NaN }, 10)
    view.rtt('a', 10, 20)
    view.rtt('a', 20, 30)
    view.rtt('a', -5, 40)
    const a = view.get('a')
    assert.equal(a?.load, 0.4)
    assert.equal(a?.capacity, 2)
    assert.equal(a?.latencyMs, 12)
    assert.equal(a?.rttMs, 15)
  })

  it('treats an earlier time as the latest seen (no travel back)', () => {
    const view = new HealthView()
    view.heartbeat('a', {}, 1000)
    const joined = view.heartbeat('b', {}, 500)
    assert.equal(joined[0]?.at, 1000)
    assert.throws(() => view.tick(Number.NaN), RangeError)
  })

  it('counts peers by status', () => {
    const view = new HealthView()
    view.connectionOpened('a', 0)
    view.connectionOpened('b', 0)
    view.connectionOpened('c', 0)
    view.connectionClosed('b', 0)
    view.connectionClosed('c', 0)
    drive(view, 'a', 100, 700)
    const stats = view.stats()
    assert.deepEqual([stats.total, stats.alive, stats.suspect, stats.dead], [3, 1, 0, 2])
    assert.deepEqual([stats.suspected, stats.died, stats.recovered], [2, 2, 0])
    assert.deepEqual(view.peersWithStatus('dead').sort(), ['b', 'c'])
  })

  it('confirmations from other members shorten the dead timeout of a suspect peer (down to minDeadAfterMs), never more', () => {
    const deadAfterSilence = (confirmers: string[]): number => {
      const view = new HealthView()
      drive(view, 'a', 0, 10_000)
      for (let t = 10_000; t < 20_000; t += 100) {
        for (const e of view.tick(t)) {
          if (e.type === 'dead') return t - 9800
          if (e.type === 'suspect') for (const c of confirmers) view.confirmSuspicion('a', c, t)
        }
      }
      return Number.POSITIVE_INFINITY
    }
    const none = deadAfterSilence([])
    const one = deadAfterSilence(['b'])
    const three = deadAfterSilence(['b', 'c', 'd'])
    const many = deadAfterSilence(['b', 'c', 'd', 'e', 'f', 'g'])
    assert.ok(none > one && one > three, `${none} > ${one} > ${three}`)
    assert.equal(three, many, 'capped at minDeadAfterMs')
    assert.ok(three >= DEFAULT_HEALTH_OPTIONS.minDeadAfterMs && three <= DEFAULT_HEALTH_OPTIONS.minDeadAfterMs + 100)
  })

  it('a confirmation neither makes an alive peer suspect nor counts twice, and is forgotten once the peer is heard', () => {
    const view = new HealthView()
    view.heartbeat('a', {}, 0)
    assert.deepEqual(view.confirmSuspicion('a', 'b', 10), [])
    assert.deepEqual(view.confirmSuspicion('a', 'a', 10), [])
    assert.deepEqual(view.confirmSuspicion('ghost', 'b', 10), [])
    assert.equal(view.statusOf('a'), 'alive')
  })

  it('hands out frozen snapshots, the same object until the peer changes', () => {
    const view = new HealthView()
    view.heartbeat('a', { load: 0.1 }, 0)
    const first = view.get('a')
    assert.ok(Object.isFrozen(first))
    assert.equal(view.get('a'), first)
    view.rtt('a', 7, 1)
    const second = view.get('a')
    assert.notEqual(second, first)
    assert.equal(second?.rttMs, 7)
    view.tick(100)
    assert.notEqual(view.get('a'), second)
  })

  it('rejects options out of range with InvalidOptionError', () => {
    assert.throws(() => new HealthView({ deadAfterMs: 100, suspectAfterMs: 1000 }), { name: 'InvalidOptionError' })
    assert.throws(() => new HealthView({ heartbeatIntervalMs: 0 }), InvalidOptionError)
    assert.throws(() => new HealthView({ windowSize: Number.NaN }), InvalidOptionError)
    assert.throws(() => new HealthView({ minDeadAfterMs: 5000 }), InvalidOptionError)
  })
})

describe('HealthView: local health (Lifeguard-style)', () => {
  it('raises the multiplier with reported event-loop lag, stretching the time to death, then decays', () => {
    let lag = 0
    const slow = new HealthView({ selfSlowness: () => lag })
    const fast = new HealthView()
    for (const view of [slow, fast]) drive(view, 'a', 0, 5000)
    lag = 350
    slow.tick(5000)
    assert.equal(slow.localHealthMultiplier(), 1 + DEFAULT_HEALTH_OPTIONS.maxLocalHealthScore)
    const deadAt = (view: HealthView): number | undefined => drive(view, 'a', 5100, 30_000, 200, false).find((e) => e.type === 'dead')?.at
    const fastDead = deadAt(fast)
    const slowDead = deadAt(slow)
    assert.ok(fastDead !== undefined && slowDead !== undefined)
    assert.ok(slowDead - fastDead >= 2000, `slow observer ${slowDead}, healthy observer ${fastDead}`)
    lag = 0
    for (let t = 30_000; t <= 40_000; t += 100) slow.tick(t)
    assert.equal(slow.localHealthMultiplier(), 1, 'decays once the lag is gone')
  })

  it('does not hold its own stall against peers: heartbeats queued behind a stall revive them', () => {
    const view = new HealthView()
    drive(view, 'a', 0, 5000)
    // This node stalls for 4 s: the overdue tick runs before the queued heartbeat is processed.
    const afterStall = view.tick(9000)
    assert.ok(!afterStall.some((e) => e.type === 'dead'))
    assert.ok(view.localHealthMultiplier() > 1)
    view.heartbeat('a', { seq: 1000 }, 9000)
    assert.equal(view.statusOf('a'), 'alive')
  })

  it('with stall forgiveness disabled the same stall makes the peer suspect at once', () => {
    const view = new HealthView({ selfPauseThresholdMs: Infinity })
    drive(view, 'a', 0, 5000)
    assert.deepEqual(view.tick(9000).map((e) => e.type), ['suspect'])
  })
})
