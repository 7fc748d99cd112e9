import { InvalidStateError } from '../errors.js'
import type { Hlc } from '../hlc.js'
import { cloneJson, compareStrings } from '../json.js'
import type { JsonValue } from '../json.js'
import { compareLww, LWWRegister } from './lww-register.js'

/** One field of an LWW-Map: its value (null when removed), the HLC of the last write, and a removal flag. */
export interface LWWMapField {
  readonly key: string
  readonly value: JsonValue
  readonly hlc: Hlc
  readonly deleted: boolean
}

/**
 * Last-writer-wins map: each field is an LWW register, removal is a write of a tombstone field (kept so a
 * late, older write cannot resurrect it). Fields are sorted by key. Value: a JSON object of live fields.
 */
export interface LWWMapState {
  readonly fields: readonly LWWMapField[]
}

function empty (): LWWMapState { return { fields: [] } }

/** Sets field `key` at timestamp `hlc`; returns the delta. */
function set (_state: LWWMapState, key: string, value: JsonValue, hlc: Hlc): LWWMapState {
  return { fields: [{ key, value: cloneJson(value), hlc, deleted: false }] }
}

/** Removes field `key` at timestamp `hlc`; returns the delta. */
function remove (_state: LWWMapState, key: string, hlc: Hlc): LWWMapState {
  return { fields: [{ key, value: null, hlc, deleted: true }] }
}

function fieldWins (a: LWWMapField, b: LWWMapField): boolean {
  // A tombstone's value is null, so encode the flag into the compared value to keep the order total.
  return compareLww({ value: [a.deleted, a.value], hlc: a.hlc }, { value: [b.deleted, b.value], hlc: b.hlc }) >= 0
}

function join (a: LWWMapState, b: LWWMapState): LWWMapState {
  const byKey = new Map<string, LWWMapField>()
  for (const f of [...a.fields, ...b.fields]) {
    const have = byKey.get(f.key)
    if (have === undefined || !fieldWins(have, f)) byKey.set(f.key, f)
  }
  return { fields: [...byKey.keys()].sort(compareStrings).map(k => byKey.get(k) as LWWMapField) }
}

function get (state: LWWMapState, key: string): JsonValue | undefined {
  const f = state.fields.find(x => x.key === key)
  return f === undefined || f.deleted ? undefined : f.value
}

function value (state: LWWMapState): { [key: string]: JsonValue } {
  return Object.fromEntries(state.fields.filter(f => !f.deleted).map(f => [f.key, cloneJson(f.value)]))
}

function toJSON (state: LWWMapState): JsonValue {
  return { fields: state.fields.map(f => ({ key: f.key, value: f.value, hlc: { ...f.hlc }, deleted: f.deleted })) }
}

function fromJSON (json: unknown): LWWMapState {
  if (typeof json !== 'object' || json === null) throw new InvalidStateError('LWW-Map must be an object {fields}')
  const { fields } = json as Record<string, unknown>
  if (!Array.isArray(fields)) throw new InvalidStateError('LWW-Map fields must be an array')
  const parsed = fields.map((f: unknown): LWWMapField => {
    if (typeof f !== 'object' || f === null) throw new InvalidStateError('LWW-Map field must be an object')
    const { key, value, hlc, deleted } = f as Record<string, unknown>
    if (typeof key !== 'string') throw new InvalidStateError('LWW-Map field key must be a string')
    const reg = LWWRegister.fromJSON({ value, hlc })
    if (reg.hlc === null) throw new InvalidStateError('LWW-Map field needs an hlc')
    return { key, value: reg.value, hlc: reg.hlc, deleted: deleted === true }
  })
  return join(empty(), { fields: parsed })
}

export const LWWMap = { type: 'lww-map', empty, set, remove, get, join, merge: join, value, toJSON, fromJSON } as const
