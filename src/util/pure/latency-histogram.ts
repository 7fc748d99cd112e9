/**
 * A fixed-bucket histogram for hot paths: `observe` is a bucket search and three additions, with nothing allocated;
 * the counts are read when metrics are scraped (src/node/metrics.ts exposes it to Prometheus).
 */
export interface HistogramSnapshot {
  /** Upper bounds of the buckets, ascending (the +Inf bucket is implied). */
  bounds: readonly number[]
  /** Observations at or below each bound, cumulative as in Prometheus; one more entry for +Inf (= count). */
  cumulative: number[]
  sum: number
  count: number
}

export class LatencyHistogram {
  readonly bounds: readonly number[]
  private readonly counts: Float64Array
  private sum = 0
  private count = 0

  /** `bounds`: ascending, finite upper bounds (Prometheus `le`). */
  constructor (bounds: readonly number[]) {
    for (let i = 0; i < bounds.length; i++) {
      const b = bounds[i] as number
      if (!Number.isFinite(b) || (i > 0 && b <= (bounds[i - 1] as number))) throw new RangeError('histogram bounds must be finite and strictly ascending')
    }
    this.bounds = [...bounds]
    this.counts = new Float64Array(bounds.length + 1)
  }

  /** Counts `value` in the first bucket whose bound is >= value (+Inf when none). */
  observe (value: number): void {
    const bounds = this.bounds
    let i = 0
    while (i < bounds.length && value > (bounds[i] as number)) i++
    this.counts[i] = (this.counts[i] as number) + 1
    this.sum += value
    this.count++
  }

  snapshot (): HistogramSnapshot {
    const cumulative: number[] = []
    let running = 0
    for (const c of this.counts) cumulative.push(running += c)
    return { bounds: this.bounds, cumulative, sum: this.sum, count: this.count }
  }
}
