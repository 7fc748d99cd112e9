import { InvalidStateError } from '../errors.js'
import type { JsonValue } from '../json.js'
import { GCounter } from './g-counter.js'
import { LWWMap } from './lww-map.js'
import { LWWRegister } from './lww-register.js'
import { MVRegister } from './mv-register.js'
import { ORSet } from './or-set.js'
import { PNCounter } from './pn-counter.js'

export type CrdtType = 'g-counter' | 'pn-counter' | 'lww-register' | 'mv-register' | 'or-set' | 'lww-map'

/**
 * What the replica needs of a CRDT: an empty state, a join (commutative, associative, idempotent; a delta
 * returned by an operation is itself a state and joins the same way), the user-visible value, and a JSON form
 * with `fromJSON(toJSON(s))` equal to s.
 */
export interface CrdtDefinition<S> {
  readonly type: CrdtType
  empty(): S
  join(a: S, b: S): S
  /** The same function as join. */
  merge(a: S, b: S): S
  value(state: S): JsonValue
  toJSON(state: S): JsonValue
  fromJSON(json: unknown): S
}

export const CRDT_TYPES: readonly CrdtType[] = ['g-counter', 'lww-map', 'lww-register', 'mv-register', 'or-set', 'pn-counter']

/* eslint-disable @typescript-eslint/no-explicit-any -- one table over heterogeneous state types */
const definitions: Record<CrdtType, CrdtDefinition<any>> = {
  'g-counter': GCounter,
  'pn-counter': PNCounter,
  'lww-register': LWWRegister,
  'mv-register': MVRegister,
  'or-set': ORSet,
  'lww-map': LWWMap
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export function isCrdtType (type: unknown): type is CrdtType {
  return typeof type === 'string' && (CRDT_TYPES as readonly string[]).includes(type)
}

/** The definition of a CRDT type; throws InvalidStateError for an unknown type. */
export function crdtDefinition (type: string): CrdtDefinition<unknown> {
  if (!isCrdtType(type)) throw new InvalidStateError(`unknown CRDT type ${JSON.stringify(type)}`)
  return definitions[type]
}

/** Joins two states given in JSON form and returns the JSON form of the result. */
export function joinCrdtJSON (type: CrdtType, a: JsonValue, b: JsonValue): JsonValue {
  const def = crdtDefinition(type)
  return def.toJSON(def.join(def.fromJSON(a), def.fromJSON(b)))
}

export { GCounter, PNCounter, LWWRegister, MVRegister, ORSet, LWWMap }
export type { GCounterState } from './g-counter.js'
export type { PNCounterState } from './pn-counter.js'
export type { LWWRegisterState } from './lww-register.js'
export type { MVRegisterState } from './mv-register.js'
export type { ORSetState } from './or-set.js'
export type { LWWMapState, LWWMapField } from './lww-map.js'
export type { DotKernel, DotEntry } from './dot-kernel.js'
export type { CausalContext } from './causal-context.js'
