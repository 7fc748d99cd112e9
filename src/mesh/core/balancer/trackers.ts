import { Ewma } from '../health/ewma.js'
import type { InFlightReader, LatencyReader } from './types.js'

/** Calls in flight per peer, for least-connections and the in-flight limit. */
export class InFlightCounters implements InFlightReader {
  private readonly counts = new Map<string, number>()

  /** A call to `peer` started. */
  acquire (peer: string): void {
    this.counts.set(peer, (this.counts.get(peer) ?? 0) + 1)
  }

  /** A call to `peer` ended (success or failure). Extra releases are ignored. */
  release (peer: string): void {
    const n = this.counts.get(peer) ?? 0
    if (n <= 1) this.counts.delete(peer)
    else this.counts.set(peer, n - 1)
  }

  count (peer: string): number {
    return this.counts.get(peer) ?? 0
  }
}

/** EWMA of observed call latencies per peer, for least-response-time. */
export class LatencyTracker implements LatencyReader {
  private readonly byPeer = new Map<string, Ewma>()

  constructor (private readonly alpha: number) {}

  observe (peer: string, ms: number): void {
    let ewma = this.byPeer.get(peer)
    if (ewma === undefined) {
      ewma = new Ewma(this.alpha)
      this.byPeer.set(peer, ewma)
    }
    ewma.add(ms)
  }

  get (peer: string): number | undefined {
    return this.byPeer.get(peer)?.value
  }

  forget (peer: string): void {
    this.byPeer.delete(peer)
  }
}
