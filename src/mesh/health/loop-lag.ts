import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import type { EventLoopUtilization, IntervalHistogram } from 'node:perf_hooks'

const RESOLUTION_MS = 10

/**
 * This process's event-loop lag (the worst delay seen since the last `sample()`, beyond the sampling
 * resolution) and event-loop utilisation (busy fraction since the last `utilisation()`), from perf_hooks.
 */
export class EventLoopMonitor {
  private histogram: IntervalHistogram | undefined
  private lastElu: EventLoopUtilization | undefined
  private latestLagMs = 0

  start (): void {
    if (this.histogram !== undefined) return
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
    this.histogram.enable()
    this.lastElu = performance.eventLoopUtilization()
  }

  stop (): void {
    this.histogram?.disable()
    this.histogram = undefined
  }

  /** Lag since the previous sample, ms (0 when the loop kept up); resets the window. */
  sample (): number {
    const h = this.histogram
    if (h === undefined) return 0
    // The histogram holds nanoseconds; max is 0 (or huge) until the first sample lands.
    const maxMs = h.count > 0 ? h.max / 1e6 : 0
    h.reset()
    this.latestLagMs = Math.max(0, maxMs - RESOLUTION_MS)
    return this.latestLagMs
  }

  /** The lag measured by the latest `sample()`, ms. */
  get lagMs (): number {
    return this.latestLagMs
  }

  /** Busy fraction of the event loop since the previous call, in [0, 1]. */
  utilisation (): number {
    const now = performance.eventLoopUtilization()
    const delta = this.lastElu === undefined ? now : performance.eventLoopUtilization(now, this.lastElu)
    this.lastElu = now
    return Number.isFinite(delta.utilization) ? Math.min(1, Math.max(0, delta.utilization)) : 0
  }
}
