/**
 * A deterministic, seeded simulation of one observer and one peer over time, driving a HealthView the way
 * the adapter will: heartbeats delivered over an ordered stream, ticks from the observer's timer, the
 * connection closing when the peer is killed. Used by the health tests and by bench/balancer.ts.
 */
import { HealthView } from '../../../../src/mesh/core/health/health-view.js'
import type { HealthEvent, HealthViewOptions } from '../../../../src/mesh/core/health/types.js'
import { seededRandom } from '../../../../src/util/pure/random.js'
import type { Random } from '../../../../src/util/pure/random.js'

export interface ScenarioOptions {
  seed: number
  durationMs: number
  health?: HealthViewOptions
  heartbeatIntervalMs?: number
  tickIntervalMs?: number
  /** The peer is SIGKILLed at this time: heartbeats stop, the connection closes `closeNoticeMs` later. */
  killAt?: number
  closeNoticeMs?: number
  /** The peer is SIGSTOPped at this time (heartbeats stop, the connection stays) and resumed at `thawAt`. */
  freezeAt?: number
  thawAt?: number
  /** Busy CPU: the peer's heartbeat timer fires late, deliveries are slow, the observer stalls. */
  busy?: BusyProfile
}

export interface BusyProfile {
  /** Chance that a heartbeat is sent late, and the largest lateness (ms). */
  senderLateChance: number
  senderLateMaxMs: number
  /** Chance that a delivery is slow, and the largest extra delay (ms). */
  slowDeliveryChance: number
  slowDeliveryMaxMs: number
  /** Chance per tick that the observer's event loop blocks, and the longest block (ms). */
  observerBlockChance: number
  observerBlockMaxMs: number
}

export const BUSY_CPU: BusyProfile = {
  senderLateChance: 0.15,
  senderLateMaxMs: 800,
  slowDeliveryChance: 0.2,
  slowDeliveryMaxMs: 500,
  observerBlockChance: 0.05,
  observerBlockMaxMs: 600
}

export interface ScenarioResult {
  events: HealthEvent[]
  view: HealthView
  /** Longest silence the observer saw between two heartbeat deliveries while the peer ran (ms). */
  longestGapMs: number
}

type Step = { at: number, order: number, run: () => HealthEvent[] }

export const PEER = 'peer-under-test'

export function runScenario (o: ScenarioOptions): ScenarioResult {
  const rng = seededRandom(o.seed)
  const senderRng = rng.fork()
  const netRng = rng.fork()
  const observerRng = rng.fork()
  const interval = o.heartbeatIntervalMs ?? 200
  const tickEvery = o.tickIntervalMs ?? 100
  let lastLag = 0
  const view = new HealthView({ heartbeatIntervalMs: interval, tickIntervalMs: tickEvery, selfSlowness: () => lastLag, ...o.health })
  const steps: Step[] = []
  const stopsAt = Math.min(o.killAt ?? Infinity, o.durationMs)
  const frozen = (t: number): boolean => o.freezeAt !== undefined && t >= o.freezeAt && (o.thawAt === undefined || t < o.thawAt)

  // Observer stalls: [start, end) intervals during which it processes nothing.
  const blocks: Array<[number, number]> = []
  if (o.busy !== undefined) {
    for (let t = 0; t < o.durationMs; t += tickEvery) {
      if (observerRng.chance(o.busy.observerBlockChance)) {
        const end = t + observerRng.int(50, o.busy.observerBlockMaxMs)
        blocks.push([t, end])
        t = end
      }
    }
  }
  const releaseTime = (t: number): number => {
    for (const [start, end] of blocks) if (t >= start && t < end) return end
    return t
  }

  steps.push({ at: 0, order: 0, run: () => view.connectionOpened(PEER, 0) })

  // Heartbeats: sent on the peer's timer (late when busy; a frozen peer sends the overdue one on thaw),
  // delivered in order after a network delay, processed once the observer is not stalled.
  let send = 0
  let arrival = 0
  let seq = 0
  let lastDelivery = 0
  let longestGapMs = 0
  while (true) {
    send += interval + lateness(o.busy, senderRng)
    if (frozen(send)) send = o.thawAt ?? Infinity
    if (send >= stopsAt) break
    const delay = 1 + netRng.int(0, 4) + (o.busy !== undefined && netRng.chance(o.busy.slowDeliveryChance) ? netRng.int(0, o.busy.slowDeliveryMaxMs) : 0)
    arrival = Math.max(arrival, send + delay)
    const processed = releaseTime(arrival)
    if (processed >= o.durationMs) break
    if (o.freezeAt === undefined || processed < o.freezeAt || processed >= (o.thawAt ?? Infinity)) {
      longestGapMs = Math.max(longestGapMs, processed - lastDelivery)
    }
    lastDelivery = processed
    const payload = { bootId: 'boot-1', seq: ++seq, load: 0.25 }
    steps.push({ at: processed, order: 2, run: () => view.heartbeat(PEER, payload, processed) })
  }

  if (o.killAt !== undefined) {
    const noticed = releaseTime(o.killAt + (o.closeNoticeMs ?? 5))
    steps.push({ at: noticed, order: 1, run: () => view.connectionClosed(PEER, noticed) })
  }

  // Ticks: on the observer's timer; a stall delays the tick, which then runs before the queued I/O
  // (as Node runs overdue timers before polling), and the lag monitor reports the stall afterwards.
  for (let t = tickEvery; t < o.durationMs; t += tickEvery) {
    const at = releaseTime(t)
    const lag = at - t
    steps.push({ at, order: 0, run: () => { const out = view.tick(at); lastLag = lag; return out } })
    if (at > t) t = at - (at % tickEvery)
  }

  steps.sort((a, b) => a.at - b.at || a.order - b.order)
  const events: HealthEvent[] = []
  for (const step of steps) events.push(...step.run())
  return { events, view, longestGapMs }
}

function lateness (busy: BusyProfile | undefined, rng: Random): number {
  if (busy === undefined) return rng.int(0, 3)
  return rng.chance(busy.senderLateChance) ? rng.int(0, busy.senderLateMaxMs) : rng.int(0, 10)
}

/** Time of the first event of `type` at or after `from`, or undefined. */
export function firstEvent (events: readonly HealthEvent[], type: HealthEvent['type'], from = 0): number | undefined {
  return events.find((e) => e.type === type && e.at >= from)?.at
}
