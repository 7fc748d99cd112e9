import type { Random } from '../../../util/pure/random.js'
import { InvalidOptionError, requireNumber } from '../health/errors.js'
import { eligibleCandidates, nextAfter, rotationAfter } from './eligibility.js'
import { hash32 } from './hash.js'
import type { Balancer, BalancerAlgorithm, BalancerContext, SelectOptions } from './types.js'

/** Shared filtering and accounting; subclasses only choose among eligible candidates. */
abstract class EligibleBalancer implements Balancer {
  abstract readonly algorithm: BalancerAlgorithm
  /** False when a candidate listed twice cannot skew `pick` (saves de-duplicating on every selection). */
  protected readonly duplicatesMatter: boolean = true

  constructor (protected readonly ctx: BalancerContext) {}

  select (candidates: readonly string[], options: SelectOptions = {}): string | undefined {
    const eligible = eligibleCandidates(this.ctx, candidates, options.now, this.duplicatesMatter)
    const chosen = eligible.length === 0 ? undefined : this.pick(eligible, options.key)
    if (chosen === undefined) this.ctx.stats.empty[this.algorithm]++
    else this.ctx.stats.selections[this.algorithm]++
    return chosen
  }

  rank (candidates: readonly string[], options: SelectOptions = {}): string[] {
    const eligible = eligibleCandidates(this.ctx, candidates, options.now)
    return eligible.length === 0 ? [] : this.order(eligible, options.key)
  }

  /** One of `eligible` (non-empty, no duplicates). */
  protected abstract pick (eligible: string[], key: string | undefined): string | undefined
  /** All of `eligible`, most preferred first, without side effects. */
  protected abstract order (eligible: string[], key: string | undefined): string[]
}

/**
 * Each eligible peer in turn (lexical order, continuing after the last one chosen): with a stable set, the
 * counts of any two peers never differ by more than one.
 */
export class RoundRobinBalancer extends EligibleBalancer {
  readonly algorithm = 'round-robin'
  protected override readonly duplicatesMatter = false
  private last: string | undefined

  protected pick (eligible: string[]): string | undefined {
    this.last = nextAfter(eligible, this.last)
    return this.last
  }

  protected order (eligible: string[]): string[] {
    return rotationAfter(eligible, this.last)
  }
}

/** A uniformly random eligible peer, drawn from the injected Random. */
export class RandomBalancer extends EligibleBalancer {
  readonly algorithm = 'random'

  constructor (ctx: BalancerContext, private readonly random: Random | undefined) {
    super(ctx)
    if (random === undefined) throw new InvalidOptionError('the random algorithm needs a Random (options.random)')
  }

  protected pick (eligible: string[]): string | undefined {
    return (this.random as Random).pick(eligible)
  }

  protected order (eligible: string[]): string[] {
    return (this.random as Random).shuffle(eligible)
  }
}

/**
 * Smooth weighted round-robin (as in nginx): every pick adds each peer's weight to its running score, takes
 * the highest score and subtracts the total weight from it. Over any run of W picks (W = sum of integer
 * weights, stable set) each peer is chosen exactly its weight's number of times, interleaved rather than in
 * bursts. Weights <= 0 or non-finite leave the peer out.
 */
export class WeightedRoundRobinBalancer extends EligibleBalancer {
  readonly algorithm = 'weighted-round-robin'
  // Duplicates are skipped by the pass stamp below, cheaper than de-duplicating the list first.
  protected override readonly duplicatesMatter = false
  private readonly current = new Map<string, { score: number, pass: number }>()
  private pass = 0

  constructor (ctx: BalancerContext, private readonly weightOf: (peer: string) => number) {
    super(ctx)
  }

  protected pick (eligible: string[]): string | undefined {
    const pass = ++this.pass
    let total = 0
    let best: { score: number, pass: number } | undefined
    let bestPeer: string | undefined
    for (let i = 0; i < eligible.length; i++) {
      const peer = eligible[i] as string
      let entry = this.current.get(peer)
      if (entry === undefined) {
        entry = { score: 0, pass: 0 }
        this.current.set(peer, entry)
      } else if (entry.pass === pass) {
        continue
      }
      entry.pass = pass
      const weight = this.weightOf(peer)
      if (!(weight > 0 && Number.isFinite(weight))) continue
      entry.score += weight
      total += weight
      if (best === undefined || entry.score > best.score || (entry.score === best.score && peer < (bestPeer as string))) {
        best = entry
        bestPeer = peer
      }
    }
    if (best !== undefined) best.score -= total
    return bestPeer
  }

  protected order (eligible: string[]): string[] {
    const usable = eligible.filter((peer) => { const w = this.weightOf(peer); return w > 0 && Number.isFinite(w) })
    const score = (peer: string): number => (this.current.get(peer)?.score ?? 0) + this.weightOf(peer)
    return usable.sort((a, b) => score(b) - score(a) || compare(a, b))
  }
}

/**
 * The eligible peer with the smallest `metric`; ties rotate (lexical order after the last tie winner), so
 * equal peers share the traffic instead of the first one taking all of it.
 */
abstract class LeastMetricBalancer extends EligibleBalancer {
  protected override readonly duplicatesMatter = false
  private lastTieWinner: string | undefined

  protected abstract metric (peer: string): number

  protected pick (eligible: string[]): string | undefined {
    let best = Number.POSITIVE_INFINITY
    let tied: string[] = []
    for (const peer of eligible) {
      const m = this.metric(peer)
      if (m < best) { best = m; tied = [peer] } else if (m === best) tied.push(peer)
    }
    if (tied.length === 0) tied = eligible
    const chosen = tied.length === 1 ? tied[0] : nextAfter(tied, this.lastTieWinner)
    this.lastTieWinner = chosen
    return chosen
  }

  protected order (eligible: string[]): string[] {
    const metrics = new Map(eligible.map((peer) => [peer, this.metric(peer)]))
    return [...eligible].sort((a, b) => ((metrics.get(a) as number) - (metrics.get(b) as number)) || compare(a, b))
  }
}

/** Fewest calls in flight (the adapter brackets each call with acquire/release). */
export class LeastConnectionsBalancer extends LeastMetricBalancer {
  readonly algorithm = 'least-connections'
  protected metric (peer: string): number {
    return this.ctx.inFlight.count(peer)
  }
}

/** Lowest load score reported in heartbeats (a peer that reported none counts as idle). */
export class LeastLoadedBalancer extends LeastMetricBalancer {
  readonly algorithm = 'least-loaded'
  protected metric (peer: string): number {
    return this.ctx.health.get(peer)?.load ?? 0
  }
}

/**
 * Lowest EWMA of observed call latencies; before any call, the peer's self-reported latency or ping RTT
 * stands in, and a peer with neither counts as 0 (so new peers get tried).
 */
export class LeastResponseTimeBalancer extends LeastMetricBalancer {
  readonly algorithm = 'least-response-time'
  protected metric (peer: string): number {
    const observed = this.ctx.latency.get(peer)
    if (observed !== undefined) return observed
    const health = this.ctx.health.get(peer)
    return health?.latencyMs ?? health?.rttMs ?? 0
  }
}

/**
 * Consistent hashing on a ring of `virtualNodes` points per peer: a key goes to the first eligible peer
 * clockwise from its hash, so when a peer joins only the keys it now owns (about 1/N) move, and when one
 * becomes ineligible only its keys move to their next peers. Peers stay on the ring once seen; ineligible
 * ones are skipped. Without a key it rotates like round-robin.
 */
export class ConsistentHashBalancer extends EligibleBalancer {
  readonly algorithm = 'consistent-hash'
  protected override readonly duplicatesMatter = false
  /** Peers on the ring, each with the last selection that found it eligible. */
  private readonly stamps = new Map<string, number>()
  private pass = 0
  private points: Uint32Array = new Uint32Array(0)
  private owners: string[] = []
  private lastUnkeyed: string | undefined

  constructor (ctx: BalancerContext, readonly virtualNodes: number) {
    super(ctx)
    requireNumber('virtualNodes', virtualNodes, 1)
    if (!Number.isInteger(virtualNodes)) throw new InvalidOptionError(`virtualNodes must be an integer, got ${virtualNodes}`)
  }

  /** Drops peers from the ring (e.g. peers that left the membership for good). */
  forget (peers: readonly string[]): void {
    let changed = false
    for (const peer of peers) changed = this.stamps.delete(peer) || changed
    if (changed) this.rebuild()
  }

  protected pick (eligible: string[], key: string | undefined): string | undefined {
    if (key === undefined) {
      this.lastUnkeyed = nextAfter(eligible, this.lastUnkeyed)
      return this.lastUnkeyed
    }
    // One pass: put new peers on the ring and stamp this selection's eligible peers.
    const pass = ++this.pass
    let added = false
    for (let i = 0; i < eligible.length; i++) {
      const peer = eligible[i] as string
      if (this.stamps.get(peer) === undefined) added = true
      this.stamps.set(peer, pass)
    }
    if (added) this.rebuild()
    const n = this.owners.length
    const start = this.firstPointAtOrAfter(hash32(key))
    for (let i = 0; i < n; i++) {
      const owner = this.owners[(start + i) % n] as string
      if (this.stamps.get(owner) === pass) return owner
    }
    return undefined
  }

  protected order (eligible: string[], key: string | undefined): string[] {
    if (key === undefined) return rotationAfter(eligible, this.lastUnkeyed)
    const ring = this.copyWith(eligible)
    const allowed = new Set(eligible)
    const out: string[] = []
    const n = ring.owners.length
    const start = lowerBound(ring.points, hash32(key)) % Math.max(1, n)
    for (let i = 0; i < n && out.length < allowed.size; i++) {
      const owner = ring.owners[(start + i) % n] as string
      if (allowed.has(owner) && !out.includes(owner)) out.push(owner)
    }
    return out
  }

  private firstPointAtOrAfter (h: number): number {
    const i = lowerBound(this.points, h)
    return i === this.points.length ? 0 : i
  }

  /** The ring with `peers` added, leaving this balancer's ring untouched when some are missing. */
  private copyWith (peers: readonly string[]): { points: Uint32Array, owners: string[] } {
    if (peers.every((peer) => this.stamps.has(peer))) return { points: this.points, owners: this.owners }
    return buildRing(new Set([...this.stamps.keys(), ...peers]), this.virtualNodes)
  }

  private rebuild (): void {
    const ring = buildRing(new Set(this.stamps.keys()), this.virtualNodes)
    this.points = ring.points
    this.owners = ring.owners
  }
}

function buildRing (peers: ReadonlySet<string>, virtualNodes: number): { points: Uint32Array, owners: string[] } {
  const entries: Array<{ point: number, owner: string }> = []
  for (const owner of peers) {
    for (let v = 0; v < virtualNodes; v++) entries.push({ point: hash32(`${owner}#${v}`), owner })
  }
  // Collisions are resolved by owner so that the ring does not depend on insertion order.
  entries.sort((a, b) => a.point - b.point || compare(a.owner, b.owner))
  return { points: Uint32Array.from(entries, (e) => e.point), owners: entries.map((e) => e.owner) }
}

function lowerBound (points: Uint32Array, h: number): number {
  let lo = 0; let hi = points.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((points[mid] as number) < h) lo = mid + 1
    else hi = mid
  }
  return lo
}

function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
