import { dotFromJSON } from './dot.js'
import type { Dot } from './dot.js'
import { isCrdtType } from './crdt/index.js'
import type { CrdtType } from './crdt/index.js'
import { hlcFromJSON } from './hlc.js'
import type { Hlc } from './hlc.js'
import { InvalidJsonValueError, InvalidStateError } from './errors.js'
import { sha256Hex } from './integrity.js'
import { canonicalJson, cloneJson, compareStrings } from './json.js'
import type { JsonValue } from './json.js'
import { clockFromJSON, clockToJSON } from './vector-clock.js'
import type { VectorClock } from './vector-clock.js'
import { versionFromJSON, versionSetFromJSON, versionToJSON } from './versions.js'
import type { Version } from './versions.js'

/**
 * The stored state of a plain key: its current concurrent versions (tombstones included) and causal
 * context (see VersionSet).
 */
export interface RegisterEntry {
  readonly kind: 'register'
  readonly versions: readonly Version[]
  readonly context: VectorClock
}

/**
 * The stored state of a CRDT-valued key: the CRDT's JSON state, `top` the latest operation (event
 * counter) of each node whose effect is included, and `hlc` the latest operation's timestamp.
 */
export interface CrdtEntry {
  readonly kind: 'crdt'
  readonly crdtType: CrdtType
  readonly state: JsonValue
  readonly top: VectorClock
  readonly hlc: Hlc | null
}

/**
 * One key's entry, exactly as an adapter persists it (one record per key, JSON via `entryToJSON`):
 * ```
 * {"kind":"register","versions":[{"dot":{"node","counter"},"hlc":{"wallMs","logical","node"},"value":…,"deleted":false}],
 *  "context":{"nodeA":3}}
 * {"kind":"crdt","crdtType":"or-set","state":{…},"top":{"nodeA":7},"hlc":{…}|null}
 * ```
 */
export type StoredEntry = RegisterEntry | CrdtEntry

interface DeltaCommon {
  readonly key: string
  /** The node that produced this delta: the writer, or the replica answering getUpdatesSince. */
  readonly origin: string
  /** The greatest HLC in the delta (the write's timestamp for a local write). */
  readonly hlc: Hlc
  /** The write or operation this delta announces; absent in anti-entropy answers. */
  readonly event?: Dot
  /** SHA-256 (hex) of the canonical encoding of every other field. */
  readonly checksum: string
}

/**
 * The full state of a plain key after a write or delete (a tombstone is a version with `deleted: true`).
 * `context` also includes the sender's stability floor; for the clock to show a client use
 * `ReplicaState.clockOf(key)`.
 */
export interface RegisterDelta extends DeltaCommon {
  readonly kind: 'register'
  readonly versions: readonly Version[]
  readonly context: VectorClock
}

/**
 * A CRDT state to join into a key: an operation's delta state (top = {origin: event}) or, in
 * anti-entropy, the whole state.
 */
export interface CrdtDelta extends DeltaCommon {
  readonly kind: 'crdt'
  readonly crdtType: CrdtType
  readonly state: JsonValue
  readonly top: VectorClock
}

/** What replicas exchange: by gossip after every local write, and in batches in anti-entropy. */
export type Delta = RegisterDelta | CrdtDelta

/** A delta before its checksum is computed. */
export type UnsignedDelta = Omit<RegisterDelta, 'checksum'> | Omit<CrdtDelta, 'checksum'>

export function entryToJSON (e: StoredEntry): JsonValue {
  if (e.kind === 'register') {
    return { kind: 'register', versions: e.versions.map(versionToJSON), context: clockToJSON(e.context) }
  }
  return {
    kind: 'crdt',
    crdtType: e.crdtType,
    state: e.state,
    top: clockToJSON(e.top),
    hlc: e.hlc === null ? null : { wallMs: e.hlc.wallMs, logical: e.hlc.logical, node: e.hlc.node }
  }
}

/** Parses and validates a stored entry; throws InvalidStateError (or InvalidClockError) when malformed. */
export function entryFromJSON (json: unknown): StoredEntry {
  if (typeof json !== 'object' || json === null) throw new InvalidStateError('entry must be an object')
  const o = json as Record<string, unknown>
  if (o.kind === 'register') {
    const set = versionSetFromJSON({ versions: o.versions, context: o.context })
    return { kind: 'register', versions: set.versions, context: set.context }
  }
  if (o.kind === 'crdt') {
    if (!isCrdtType(o.crdtType)) throw new InvalidStateError(`unknown CRDT type ${JSON.stringify(o.crdtType)}`)
    return {
      kind: 'crdt',
      crdtType: o.crdtType,
      state: cloneJson((o.state ?? null) as JsonValue),
      top: clockFromJSON(o.top ?? {}),
      hlc: o.hlc == null ? null : hlcFromJSON(o.hlc)
    }
  }
  throw new InvalidStateError(`unknown entry kind ${JSON.stringify(o.kind)}`)
}

function unsignedToJSON (d: UnsignedDelta): JsonValue {
  const common = {
    key: d.key,
    origin: d.origin,
    hlc: { wallMs: d.hlc.wallMs, logical: d.hlc.logical, node: d.hlc.node },
    ...(d.event === undefined ? {} : { event: { node: d.event.node, counter: d.event.counter } })
  }
  if (d.kind === 'register') {
    return { ...common, kind: 'register', versions: d.versions.map(versionToJSON), context: clockToJSON(d.context) }
  }
  return { ...common, kind: 'crdt', crdtType: d.crdtType, state: d.state, top: clockToJSON(d.top) }
}

/**
 * The canonical encoding of a delta's content (every field but the checksum), what its checksum is taken over.
 * A JSON array written field by field in a fixed order, so it costs one pass over the delta:
 * ```
 * register: ["r",key,origin,hlc,event,[[dotNode,dotCounter,hlc,deleted,value]…],clock]
 * crdt:     ["c",key,origin,hlc,event,crdtType,state,clock]
 * ```
 * where hlc = `[wallMs,logical,node]`, event = `[node,counter]` or `null`, clock = `[[node,counter]…]` sorted by
 * node with zero counters left out, deleted = `0|1`, a tombstone's value `null`, and values and CRDT states in
 * canonical JSON (`canonicalJson`). Throws InvalidJsonValueError when a value is not JSON.
 */
export function encodeDelta (d: UnsignedDelta): string {
  let out = (d.kind === 'register' ? '["r",' : '["c",') + JSON.stringify(d.key) + ',' + JSON.stringify(d.origin) + ',' + encodeHlc(d.hlc) + ','
  out += d.event === undefined ? 'null' : '[' + JSON.stringify(d.event.node) + ',' + encodeCount(d.event.counter) + ']'
  if (d.kind === 'register') {
    return out + ',' + encodeVersions(d.versions) + ',' + encodeClock(d.context) + ']'
  }
  return out + ',' + JSON.stringify(d.crdtType) + ',' + canonicalJson(d.state) + ',' + encodeClock(d.top) + ']'
}

/**
 * The canonical encoding of a stored entry under its key, for digests that compare replicas (written like
 * `encodeDelta`): `["r",key,[[dotNode,dotCounter,hlc,deleted,value]…],clock]` or
 * `["c",key,crdtType,state,top,hlc|null]`.
 */
export function encodeEntry (key: string, e: StoredEntry): string {
  if (e.kind === 'register') {
    return '["r",' + JSON.stringify(key) + ',' + encodeVersions(e.versions) + ',' + encodeClock(e.context) + ']'
  }
  return '["c",' + JSON.stringify(key) + ',' + JSON.stringify(e.crdtType) + ',' + canonicalJson(e.state) + ',' + encodeClock(e.top) + ',' + (e.hlc === null ? 'null' : encodeHlc(e.hlc)) + ']'
}

function encodeVersions (versions: readonly Version[]): string {
  let out = '['
  for (let i = 0; i < versions.length; i++) {
    const v = versions[i] as Version
    if (i > 0) out += ','
    out += '[' + JSON.stringify(v.dot.node) + ',' + encodeCount(v.dot.counter) + ',' + encodeHlc(v.hlc) + (v.deleted ? ',1,null]' : ',0,' + canonicalJson(v.value) + ']')
  }
  return out + ']'
}

function encodeCount (n: number): string {
  if (!Number.isSafeInteger(n)) throw new InvalidJsonValueError(`not an integer counter: ${String(n)}`)
  return String(n)
}

function encodeHlc (h: Hlc): string {
  return '[' + encodeCount(h.wallMs) + ',' + encodeCount(h.logical) + ',' + JSON.stringify(h.node) + ']'
}

function encodeClock (c: VectorClock): string {
  const nodes = Object.keys(c)
  if (nodes.length > 1) nodes.sort(compareStrings)
  let out = '['
  let first = true
  for (const node of nodes) {
    const counter = c[node] as number
    if (counter === 0) continue
    out += (first ? '[' : ',[') + JSON.stringify(node) + ',' + encodeCount(counter) + ']'
    first = false
  }
  return out + ']'
}

/** Computes the checksum (SHA-256 of `encodeDelta`) and returns the complete delta. */
export function signDelta (d: UnsignedDelta): Delta {
  return { ...d, checksum: sha256Hex(encodeDelta(d)) } as Delta
}

/** True when the delta's checksum matches its content; false also when the content cannot be encoded. */
export function verifyDelta (d: Delta): boolean {
  try {
    return sha256Hex(encodeDelta(d)) === d.checksum
  } catch {
    return false
  }
}

/** The JSON wire form of a delta (canonical when passed through canonicalJson). */
export function deltaToJSON (d: Delta): JsonValue {
  const { checksum, ...rest } = d
  return { ...(unsignedToJSON(rest as UnsignedDelta) as Record<string, JsonValue>), checksum }
}

/** Parses a delta from its JSON wire form; throws InvalidStateError (or InvalidClockError) when malformed. */
export function deltaFromJSON (json: unknown): Delta {
  if (typeof json !== 'object' || json === null) throw new InvalidStateError('delta must be an object')
  const o = json as Record<string, unknown>
  if (typeof o.key !== 'string') throw new InvalidStateError('delta.key must be a string')
  if (typeof o.origin !== 'string' || o.origin.length === 0) throw new InvalidStateError('delta.origin must be a non-empty string')
  if (typeof o.checksum !== 'string') throw new InvalidStateError('delta.checksum must be a string')
  const common = {
    key: o.key,
    origin: o.origin,
    hlc: hlcFromJSON(o.hlc),
    ...(o.event === undefined ? {} : { event: dotFromJSON(o.event) }),
    checksum: o.checksum
  }
  if (o.kind === 'register') {
    if (!Array.isArray(o.versions)) throw new InvalidStateError('delta.versions must be an array')
    return { ...common, kind: 'register', versions: o.versions.map(versionFromJSON), context: clockFromJSON(o.context ?? {}) }
  }
  if (o.kind === 'crdt') {
    if (!isCrdtType(o.crdtType)) throw new InvalidStateError(`unknown CRDT type ${JSON.stringify(o.crdtType)}`)
    return {
      ...common,
      kind: 'crdt',
      crdtType: o.crdtType,
      state: cloneJson((o.state ?? null) as JsonValue),
      top: clockFromJSON(o.top ?? {})
    }
  }
  throw new InvalidStateError(`unknown delta kind ${JSON.stringify(o.kind)}`)
}
