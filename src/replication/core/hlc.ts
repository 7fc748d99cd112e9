import { ClockDriftError, InvalidClockError } from './errors.js'
import { compareStrings } from './json.js'

/**
 * A hybrid logical clock timestamp: physical milliseconds, a logical counter for events within the same
 * millisecond, and the node that issued it. Ordered by (wallMs, logical, node): a total order on which every
 * replica agrees, with the node id as the final tie-break.
 */
export interface Hlc {
  readonly wallMs: number
  readonly logical: number
  readonly node: string
}

/** Default bound on how far a remote timestamp may be ahead of the local physical clock. */
export const DEFAULT_MAX_DRIFT_MS = 60_000

/** Total order on timestamps: negative when a < b, positive when a > b, 0 only for identical timestamps. */
export function compareHlc (a: Hlc, b: Hlc): number {
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? -1 : 1
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1
  return compareStrings(a.node, b.node)
}

/** The later of two timestamps. */
export function maxHlc (a: Hlc, b: Hlc): Hlc {
  return compareHlc(a, b) >= 0 ? a : b
}

/** A sortable text form: fixed-width wall time and counter, then the node (`000001700000000000-00000000-node`). */
export function hlcToString (t: Hlc): string {
  return `${String(t.wallMs).padStart(18, '0')}-${String(t.logical).padStart(8, '0')}-${t.node}`
}

/** Validates a timestamp from JSON; throws InvalidClockError when malformed. */
export function hlcFromJSON (json: unknown): Hlc {
  if (typeof json !== 'object' || json === null) throw new InvalidClockError('HLC must be an object')
  const { wallMs, logical, node } = json as Record<string, unknown>
  if (typeof wallMs !== 'number' || !Number.isSafeInteger(wallMs) || wallMs < 0) throw new InvalidClockError('HLC wallMs must be a non-negative integer')
  if (typeof logical !== 'number' || !Number.isSafeInteger(logical) || logical < 0) throw new InvalidClockError('HLC logical must be a non-negative integer')
  if (typeof node !== 'string' || node.length === 0) throw new InvalidClockError('HLC node must be a non-empty string')
  return { wallMs, logical, node }
}

export interface HybridLogicalClockInit {
  /** Largest accepted lead of a remote timestamp over local physical time; default 60 s. */
  maxDriftMs?: number
  /** The last timestamp issued or observed (for restarting from persisted state). */
  last?: Hlc
}

/**
 * Issues timestamps that never go backwards and always exceed every timestamp observed, while staying
 * close to physical time. The caller supplies physical time on every call; nothing here reads a clock.
 */
export class HybridLogicalClock {
  readonly maxDriftMs: number
  private wallMs: number
  private logical: number

  constructor (readonly node: string, init: HybridLogicalClockInit = {}) {
    this.maxDriftMs = init.maxDriftMs ?? DEFAULT_MAX_DRIFT_MS
    this.wallMs = init.last?.wallMs ?? 0
    this.logical = init.last?.logical ?? 0
  }

  /** A fresh timestamp for a local event at physical time `physicalMs`; strictly greater than all before it. */
  now (physicalMs: number): Hlc {
    const physical = Math.max(0, Math.floor(physicalMs))
    if (physical > this.wallMs) {
      this.wallMs = physical
      this.logical = 0
    } else {
      this.logical++
    }
    return this.current()
  }

  /**
   * Merges a remote timestamp on receipt and returns a timestamp greater than both it and everything
   * issued before. Throws ClockDriftError (changing nothing) when the remote wall time is more than
   * maxDriftMs ahead of `physicalMs`.
   */
  receive (remote: Hlc, physicalMs: number): Hlc {
    const physical = Math.max(0, Math.floor(physicalMs))
    this.checkDrift(remote, physical)
    const wall = Math.max(this.wallMs, remote.wallMs, physical)
    if (wall === this.wallMs && wall === remote.wallMs) this.logical = Math.max(this.logical, remote.logical) + 1
    else if (wall === this.wallMs) this.logical++
    else if (wall === remote.wallMs) this.logical = remote.logical + 1
    else this.logical = 0
    this.wallMs = wall
    return this.current()
  }

  /** Throws ClockDriftError when `remote` is too far ahead of `physicalMs`. */
  checkDrift (remote: Hlc, physicalMs: number): void {
    if (remote.wallMs - physicalMs > this.maxDriftMs) throw new ClockDriftError(remote.wallMs, physicalMs, this.maxDriftMs)
  }

  /**
   * Raises the clock to at least `remote` without physical time (no drift check), so that the next
   * `now()` is greater than anything observed.
   */
  observe (remote: Hlc): void {
    if (remote.wallMs > this.wallMs || (remote.wallMs === this.wallMs && remote.logical > this.logical)) {
      this.wallMs = remote.wallMs
      this.logical = remote.logical
    }
  }

  /** The last timestamp issued or observed, stamped with this node (for persistence). */
  current (): Hlc {
    return { wallMs: this.wallMs, logical: this.logical, node: this.node }
  }
}
