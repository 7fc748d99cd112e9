import type { GossipUpdate } from './types.js'

export interface PublishQueueOptions {
  /** Distinct (owner, key) pairs that may wait at once. */
  capacity: number
  /** Sustained publish rate (token refill per second). */
  ratePerSecond: number
  /** Bucket size: how many may go back to back after a quiet period. */
  burst: number
}

/** `queued`: waits to be sent; `coalesced`: replaced (or was superseded by) the pending update of the same key;
 * `full`: not accepted, the caller must wait for room (or leave the update to anti-entropy). */
export type OfferResult = 'queued' | 'coalesced' | 'full'

/** `holding`: no peers yet, updates wait; `ready`: updates go out as tokens allow. */
export type QueueState = 'holding' | 'ready'

function queueKey (u: GossipUpdate): string {
  return `${u.owner}/${u.key}`
}

/**
 * Flow control between gossip-state writes and gossipsub (which has no backpressure of its own). Pure: the driver
 * passes `now` (ms, non-decreasing) and publishes what `poll` returns.
 *
 * - Bounded: at most `capacity` distinct keys wait; beyond that `offer` answers `full` (the backpressure signal).
 * - Coalescing: a newer update of a waiting key replaces it in place; only the newest is ever sent.
 * - Held until the mesh has peers: while `holding`, nothing leaves; updates are kept and flushed once
 *   `setHasPeers(true)` is called.
 * - Rate limited: a token bucket of `burst` tokens refilled at `ratePerSecond`.
 */
export class PublishQueue {
  private readonly capacity: number
  private readonly ratePerMs: number
  private readonly burst: number
  private pending = new Map<string, GossipUpdate>()
  private hasPeers = false
  private tokens: number
  private lastRefill: number | undefined

  constructor (options: PublishQueueOptions) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) throw new RangeError('capacity must be an integer >= 1')
    if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be > 0')
    if (!(options.burst >= 1)) throw new RangeError('burst must be >= 1')
    this.capacity = options.capacity
    this.ratePerMs = options.ratePerSecond / 1000
    this.burst = options.burst
    this.tokens = options.burst
  }

  get state (): QueueState {
    return this.hasPeers ? 'ready' : 'holding'
  }

  /** Updates waiting. */
  get size (): number {
    return this.pending.size
  }

  /** True when an update for a key not already waiting would be refused. */
  get full (): boolean {
    return this.pending.size >= this.capacity
  }

  offer (update: GossipUpdate): OfferResult {
    const k = queueKey(update)
    const waiting = this.pending.get(k)
    if (waiting !== undefined) {
      if (update.version > waiting.version) this.pending.set(k, update)
      return 'coalesced'
    }
    if (this.pending.size >= this.capacity) return 'full'
    this.pending.set(k, update)
    return 'queued'
  }

  /**
   * Puts back an update whose publish failed, at the front, and refunds its token. Ignored when a newer update of
   * the same key is already waiting. Not bounded by `capacity` (the update had been admitted already).
   */
  requeue (update: GossipUpdate): void {
    const k = queueKey(update)
    const waiting = this.pending.get(k)
    if (waiting !== undefined && waiting.version >= update.version) return
    const rest = [...this.pending].filter(([key]) => key !== k)
    this.pending = new Map([[k, update], ...rest])
    this.tokens = Math.min(this.burst, this.tokens + 1)
  }

  /** The mesh gained its first peer (true) or lost its last (false). */
  setHasPeers (hasPeers: boolean): void {
    this.hasPeers = hasPeers
  }

  /** Takes the updates that may be published at `now`, oldest first. */
  poll (now: number): GossipUpdate[] {
    this.refill(now)
    if (!this.hasPeers) return []
    const out: GossipUpdate[] = []
    for (const [k, update] of this.pending) {
      if (this.tokens < 1) break
      this.tokens -= 1
      this.pending.delete(k)
      out.push(update)
    }
    return out
  }

  /**
   * When `poll` will next return something: `now` if it would now, a later time when waiting for a token,
   * undefined when nothing is waiting or the queue is holding (the driver then waits for `offer`/`setHasPeers`).
   */
  nextSendAt (now: number): number | undefined {
    if (this.pending.size === 0 || !this.hasPeers) return undefined
    this.refill(now)
    if (this.tokens >= 1) return now
    return now + Math.ceil((1 - this.tokens) / this.ratePerMs)
  }

  private refill (now: number): void {
    if (this.lastRefill !== undefined && now > this.lastRefill) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.lastRefill) * this.ratePerMs)
    }
    if (this.lastRefill === undefined || now > this.lastRefill) this.lastRefill = now
  }
}
