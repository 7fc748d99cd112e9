/**
 * Exponentially weighted moving average. `alpha` is the weight of a new sample (0 < alpha <= 1);
 * the first sample is taken as is.
 */
export class Ewma {
  private current: number | undefined

  constructor (readonly alpha: number) {
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`EWMA alpha must be in (0, 1], got ${alpha}`)
  }

  /** Folds one sample in and returns the new average. Non-finite or negative samples are ignored. */
  add (sample: number): number | undefined {
    if (!Number.isFinite(sample) || sample < 0) return this.current
    this.current = this.current === undefined ? sample : this.current + this.alpha * (sample - this.current)
    return this.current
  }

  /** The average, or undefined before the first sample. */
  get value (): number | undefined {
    return this.current
  }
}
