import { InvalidCrdtOperationError, InvalidStateError } from '../errors.js'
import { GCounter } from './g-counter.js'
import type { GCounterState } from './g-counter.js'

/** Positive-negative counter: two G-Counters; value = p − n. JSON: `{p: {...}, n: {...}}`. */
export interface PNCounterState {
  readonly p: GCounterState
  readonly n: GCounterState
}

function empty (): PNCounterState { return { p: {}, n: {} } }

/** Adds `by` (any safe integer, negative to decrement) for `node`; returns the delta. */
function increment (state: PNCounterState, node: string, by = 1): PNCounterState {
  if (!Number.isSafeInteger(by)) throw new InvalidCrdtOperationError('PN-Counter increment must be an integer')
  if (by >= 0) return { p: GCounter.increment(state.p, node, by), n: {} }
  return { p: {}, n: GCounter.increment(state.n, node, -by) }
}

function decrement (state: PNCounterState, node: string, by = 1): PNCounterState {
  return increment(state, node, -by)
}

function join (a: PNCounterState, b: PNCounterState): PNCounterState {
  return { p: GCounter.join(a.p, b.p), n: GCounter.join(a.n, b.n) }
}

function value (state: PNCounterState): number {
  return GCounter.value(state.p) - GCounter.value(state.n)
}

function toJSON (state: PNCounterState): { p: Record<string, number>, n: Record<string, number> } {
  return { p: GCounter.toJSON(state.p), n: GCounter.toJSON(state.n) }
}

function fromJSON (json: unknown): PNCounterState {
  if (typeof json !== 'object' || json === null) throw new InvalidStateError('PN-Counter must be an object {p, n}')
  const { p, n } = json as Record<string, unknown>
  return { p: GCounter.fromJSON(p ?? {}), n: GCounter.fromJSON(n ?? {}) }
}

export const PNCounter = { type: 'pn-counter', empty, increment, decrement, join, merge: join, value, toJSON, fromJSON } as const
