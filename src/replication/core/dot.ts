import { InvalidClockError } from './errors.js'
import { compareStrings } from './json.js'

/** One event: the `counter`-th event issued by `node`. Unique across the system. */
export interface Dot {
  readonly node: string
  readonly counter: number
}

/** Orders dots by node id, then counter (a canonical order for storage and hashing). */
export function compareDots (a: Dot, b: Dot): number {
  return compareStrings(a.node, b.node) || a.counter - b.counter
}

export function dotEquals (a: Dot, b: Dot): boolean {
  return a.node === b.node && a.counter === b.counter
}

/** A map key for a dot. */
export function dotKey (d: Dot): string {
  return `${d.counter}@${d.node}`
}

/** Validates a dot from JSON; throws InvalidClockError when malformed. */
export function dotFromJSON (json: unknown): Dot {
  if (typeof json !== 'object' || json === null) throw new InvalidClockError('dot must be an object {node, counter}')
  const { node, counter } = json as Record<string, unknown>
  if (typeof node !== 'string' || node.length === 0) throw new InvalidClockError('dot node must be a non-empty string')
  if (typeof counter !== 'number' || !Number.isSafeInteger(counter) || counter < 1) throw new InvalidClockError('dot counter must be a positive integer')
  return { node, counter }
}
