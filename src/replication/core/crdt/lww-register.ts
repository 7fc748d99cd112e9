import { InvalidStateError } from '../errors.js'
import { compareHlc, hlcFromJSON } from '../hlc.js'
import type { Hlc } from '../hlc.js'
import { canonicalJson, cloneJson } from '../json.js'
import type { JsonValue } from '../json.js'

/**
 * Last-writer-wins register: the value with the greatest HLC (node id breaks ties inside the HLC order;
 * the canonical value text breaks the impossible tie of one node reusing a timestamp). JSON: `{value, hlc}`.
 */
export interface LWWRegisterState {
  readonly value: JsonValue
  readonly hlc: Hlc | null
}

function empty (): LWWRegisterState { return { value: null, hlc: null } }

/** Sets the value at timestamp `hlc` (from the replica's HybridLogicalClock); returns the delta. */
function set (_state: LWWRegisterState, value: JsonValue, hlc: Hlc): LWWRegisterState {
  return { value: cloneJson(value), hlc }
}

/** Positive when a wins over b. */
export function compareLww (a: LWWRegisterState, b: LWWRegisterState): number {
  if (a.hlc === null || b.hlc === null) return (a.hlc === null ? 0 : 1) - (b.hlc === null ? 0 : 1)
  const c = compareHlc(a.hlc, b.hlc)
  if (c !== 0) return c
  const x = canonicalJson(a.value)
  const y = canonicalJson(b.value)
  return x < y ? -1 : x > y ? 1 : 0
}

function join (a: LWWRegisterState, b: LWWRegisterState): LWWRegisterState {
  return compareLww(a, b) >= 0 ? a : b
}

function value (state: LWWRegisterState): JsonValue {
  return state.value
}

function toJSON (state: LWWRegisterState): JsonValue {
  return { value: state.value, hlc: state.hlc === null ? null : { ...state.hlc } }
}

function fromJSON (json: unknown): LWWRegisterState {
  if (typeof json !== 'object' || json === null) throw new InvalidStateError('LWW-Register must be an object {value, hlc}')
  const { value, hlc } = json as Record<string, unknown>
  return { value: cloneJson((value ?? null) as JsonValue), hlc: hlc == null ? null : hlcFromJSON(hlc) }
}

export const LWWRegister = { type: 'lww-register', empty, set, join, merge: join, value, toJSON, fromJSON } as const
