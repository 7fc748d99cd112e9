import { InvalidCrdtOperationError, InvalidStateError } from '../errors.js'
import { clockToJSON, counterOf, mergeClocks } from '../vector-clock.js'
import type { VectorClock } from '../vector-clock.js'

/** Grow-only counter: each node's own running total; the value is their sum. JSON: `{nodeId: count}`. */
export type GCounterState = VectorClock

function empty (): GCounterState { return {} }

/** Adds `by` (a non-negative safe integer) for `node`; returns the delta (that node's new total). */
function increment (state: GCounterState, node: string, by = 1): GCounterState {
  if (!Number.isSafeInteger(by) || by < 0) throw new InvalidCrdtOperationError('G-Counter increment must be a non-negative integer')
  return { [node]: counterOf(state, node) + by }
}

function join (a: GCounterState, b: GCounterState): GCounterState {
  return mergeClocks(a, b)
}

function value (state: GCounterState): number {
  let sum = 0
  for (const v of Object.values(state)) sum += v
  return sum
}

function toJSON (state: GCounterState): Record<string, number> {
  return clockToJSON(state)
}

function fromJSON (json: unknown): GCounterState {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InvalidStateError('G-Counter must be an object {nodeId: count}')
  for (const v of Object.values(json)) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new InvalidStateError('G-Counter counts must be non-negative integers')
  }
  return clockToJSON(json as GCounterState)
}

export const GCounter = { type: 'g-counter', empty, increment, join, merge: join, value, toJSON, fromJSON } as const
