/**
 * Phi-accrual suspicion (Hayashibara et al.): phi = -log10(P(the next heartbeat arrives later than
 * `elapsed`)), with inter-arrival times modelled as a normal distribution learned from a sliding window.
 * phi 1 means a 10% chance that the silence is normal, phi 3 a 0.1% chance, and so on.
 */
export class InterArrivalWindow {
  private readonly samples: number[]
  private next = 0
  private count = 0
  private sum = 0
  private sumOfSquares = 0

  constructor (readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`window capacity must be a positive integer, got ${capacity}`)
    this.samples = new Array<number>(capacity).fill(0)
  }

  add (intervalMs: number): void {
    if (!Number.isFinite(intervalMs) || intervalMs < 0) return
    if (this.count === this.capacity) {
      const evicted = this.samples[this.next] ?? 0
      this.sum -= evicted
      this.sumOfSquares -= evicted * evicted
    } else {
      this.count++
    }
    this.samples[this.next] = intervalMs
    this.next = (this.next + 1) % this.capacity
    this.sum += intervalMs
    this.sumOfSquares += intervalMs * intervalMs
  }

  get size (): number {
    return this.count
  }

  get mean (): number {
    return this.count === 0 ? 0 : this.sum / this.count
  }

  get stdDev (): number {
    if (this.count < 2) return 0
    const mean = this.mean
    const variance = this.sumOfSquares / this.count - mean * mean
    return variance > 0 ? Math.sqrt(variance) : 0
  }
}

/**
 * phi for a silence of `elapsedMs` given the learned mean and standard deviation of inter-arrival times.
 * Uses a logistic approximation of the normal CDF (error < 1e-4), which stays finite and monotone in the
 * tails; the result is capped at `PHI_MAX`.
 */
export function phi (elapsedMs: number, meanMs: number, stdDevMs: number): number {
  if (elapsedMs <= 0) return 0
  const sd = stdDevMs > 0 ? stdDevMs : 1
  const y = (elapsedMs - meanMs) / sd
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y))
  // P(later) = 1 - CDF(y) = e / (1 + e); computed to avoid cancellation on both sides of the mean.
  const pLater = y > 0 ? e / (1 + e) : 1 - 1 / (1 + e)
  if (!(pLater > 0)) return PHI_MAX
  return Math.min(PHI_MAX, -Math.log10(pLater))
}

/** Upper bound of reported phi values (a silence that long is certainly abnormal). */
export const PHI_MAX = 100
