import type { HealthViewOptions } from './types.js'

/**
 * Defaults chosen for the mesh's targets on a LAN/loopback: a killed peer (connection closed) is dead within
 * ~0.5 s, a frozen one (connection kept, heartbeats stopped) suspect within ~0.8-1.5 s and dead at 2.5 s of
 * silence, any sign of life restores it at once, and heartbeat delays of up to ~1-2 s (a busy CPU) stay below
 * the dead threshold. Heartbeats every 200 ms, ticks every 100 ms.
 */
export const DEFAULT_HEALTH_OPTIONS: Required<Omit<HealthViewOptions, 'selfSlowness'>> = {
  heartbeatIntervalMs: 200,
  tickIntervalMs: 100,
  phiSuspectThreshold: 8,
  minStdDevMs: 100,
  windowSize: 100,
  minSamples: 3,
  suspectAfterMs: 1500,
  deadAfterMs: 2500,
  minSuspectMs: 250,
  minDeadAfterMs: 1500,
  confirmationsForMinTimeout: 3,
  closedDeadAfterMs: 400,
  rttAlpha: 0.3,
  lagToleranceMs: 50,
  lagPerPointMs: 100,
  maxLocalHealthScore: 3,
  localHealthDecayMs: 1000,
  selfPauseThresholdMs: 400,
  forgetDeadAfterMs: 300_000
}
