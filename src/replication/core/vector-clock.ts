import { InvalidClockError } from './errors.js'
import { compareStrings } from './json.js'

/**
 * A vector clock: node id → counter. Absent nodes count as 0; the normal form omits zeros, so two equal
 * clocks have the same JSON (`{nodeId: counter}`) once `clockToJSON` sorts the keys.
 */
export type VectorClock = Readonly<Record<string, number>>

/** How two clocks relate: a happened before b, after it, equal, or neither (concurrent). */
export type ClockOrder = 'before' | 'after' | 'equal' | 'concurrent'

export const EMPTY_CLOCK: VectorClock = Object.freeze({})

/** The counter of `node` in `clock` (0 when absent). */
export function counterOf (clock: VectorClock, node: string): number {
  return Object.hasOwn(clock, node) ? clock[node] as number : 0
}

/** Orders a against b. Antisymmetric: compare(a, b) = 'before' iff compare(b, a) = 'after'. */
export function compareClocks (a: VectorClock, b: VectorClock): ClockOrder {
  let less = false
  let greater = false
  for (const node of Object.keys(a)) {
    const x = a[node] as number
    const y = counterOf(b, node)
    if (x < y) less = true
    else if (x > y) greater = true
  }
  for (const node of Object.keys(b)) {
    if (Object.hasOwn(a, node)) continue
    if ((b[node] as number) > 0) less = true
  }
  if (less && greater) return 'concurrent'
  if (less) return 'before'
  if (greater) return 'after'
  return 'equal'
}

/** True when every counter of a is at most b's (a happened before or equals b). */
export function clockLeq (a: VectorClock, b: VectorClock): boolean {
  for (const node of Object.keys(a)) {
    if ((a[node] as number) > counterOf(b, node)) return false
  }
  return true
}

/** The least upper bound (pointwise maximum). Commutative, associative and idempotent. */
export function mergeClocks (a: VectorClock, b: VectorClock): VectorClock {
  const out: Record<string, number> = { ...a }
  for (const node of Object.keys(b)) {
    const y = b[node] as number
    if (y > counterOf(out, node)) out[node] = y
  }
  return normalizeClock(out)
}

/** The greatest lower bound (pointwise minimum) of one or more clocks. */
export function meetClocks (clocks: readonly VectorClock[]): VectorClock {
  if (clocks.length === 0) return EMPTY_CLOCK
  const first = clocks[0] as VectorClock
  const out: Record<string, number> = {}
  for (const node of Object.keys(first)) {
    let min = first[node] as number
    for (const c of clocks) min = Math.min(min, counterOf(c, node))
    if (min > 0) out[node] = min
  }
  return out
}

/** The clock with node's counter one higher (or set to `to` when given and higher). */
export function incrementClock (clock: VectorClock, node: string, to?: number): VectorClock {
  const next = to ?? counterOf(clock, node) + 1
  if (next <= counterOf(clock, node)) return clock
  return { ...clock, [node]: next }
}

/** Drops zero entries; the normal form that every function here returns. */
export function normalizeClock (clock: VectorClock): VectorClock {
  const out: Record<string, number> = {}
  for (const node of Object.keys(clock)) {
    const v = clock[node] as number
    if (v !== 0) out[node] = v
  }
  return out
}

/** The JSON form with node ids sorted, zeros omitted. */
export function clockToJSON (clock: VectorClock): Record<string, number> {
  const out: Record<string, number> = {}
  for (const node of Object.keys(clock).sort(compareStrings)) {
    const v = clock[node] as number
    if (v !== 0) out[node] = v
  }
  return out
}

/** Parses and validates a clock from JSON (text or parsed); throws InvalidClockError when malformed. */
export function clockFromJSON (json: unknown): VectorClock {
  let value = json
  if (typeof value === 'string') {
    try { value = JSON.parse(value) } catch { throw new InvalidClockError('vector clock is not valid JSON') }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidClockError('vector clock must be a JSON object {nodeId: counter}')
  }
  const out: Record<string, number> = {}
  for (const [node, counter] of Object.entries(value)) {
    if (typeof counter !== 'number' || !Number.isSafeInteger(counter) || counter < 0) {
      throw new InvalidClockError(`counter of ${JSON.stringify(node)} must be a non-negative integer`)
    }
    if (node.length === 0) throw new InvalidClockError('node id must not be empty')
    if (counter > 0) out[node] = counter
  }
  return out
}
