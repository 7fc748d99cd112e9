import { compareDots, dotEquals, dotFromJSON, dotKey } from './dot.js'
import type { Dot } from './dot.js'
import { InvalidStateError } from './errors.js'
import { compareHlc, hlcFromJSON } from './hlc.js'
import type { Hlc } from './hlc.js'
import { canonicalJson, cloneJson } from './json.js'
import type { JsonValue } from './json.js'
import { clockFromJSON, clockToJSON, counterOf, incrementClock, mergeClocks } from './vector-clock.js'
import type { VectorClock } from './vector-clock.js'

/**
 * One written version of a plain (non-CRDT) key: the write's dot, its HLC, and the value or a tombstone
 * (`deleted: true`, value null).
 */
export interface Version {
  readonly dot: Dot
  readonly hlc: Hlc
  readonly value: JsonValue
  readonly deleted: boolean
}

/**
 * A dotted version vector set for one key: the concurrent versions (siblings) still current and the
 * key's causal context, a vector clock covering every dot of this key that has been seen. A version whose
 * dot the context covers but which is not listed has been superseded. Each node's dots are its global
 * event counter, so `context[n]` is the latest event of n that touched this key, and every earlier
 * event of n on this key is covered too (each writer includes its own history).
 */
export interface VersionSet {
  readonly versions: readonly Version[]
  readonly context: VectorClock
}

export const EMPTY_VERSION_SET: VersionSet = { versions: [], context: {} }

/** The canonical total order of versions: by HLC, then by dot. */
export function compareVersions (a: Version, b: Version): number {
  return compareHlc(a.hlc, b.hlc) || compareDots(a.dot, b.dot)
}

/** True when the context has seen this key's event `dot`. */
export function coversDot (context: VectorClock, dot: Dot): boolean {
  return dot.counter <= counterOf(context, dot.node)
}

/**
 * The join of two version sets: a version survives when both sides hold it or when the other side has not
 * seen its dot. Commutative, associative and idempotent; versions come back sorted by `compareVersions`.
 */
export function mergeVersionSets (a: VersionSet, b: VersionSet): VersionSet {
  const inB = new Map(b.versions.map(v => [dotKey(v.dot), v]))
  const inA = new Set(a.versions.map(v => dotKey(v.dot)))
  const out: Version[] = []
  for (const v of a.versions) {
    const other = inB.get(dotKey(v.dot))
    if (other !== undefined) out.push(canonicalJson(other) > canonicalJson(v) ? other : v)
    else if (!coversDot(b.context, v.dot)) out.push(v)
  }
  for (const v of b.versions) {
    if (!inA.has(dotKey(v.dot)) && !coversDot(a.context, v.dot)) out.push(v)
  }
  out.sort(compareVersions)
  return { versions: out, context: mergeClocks(a.context, b.context) }
}

/**
 * Adds a new local version whose writer had seen `seen` (the causal context it read, for example a client's
 * X-Clock): every version `seen` covers is replaced, concurrent ones stay as siblings. The version's dot
 * must be new to the set.
 */
export function writeVersion (set: VersionSet, version: Version, seen: VectorClock): VersionSet {
  if (coversDot(set.context, version.dot)) throw new InvalidStateError(`dot ${dotKey(version.dot)} was already used on this key`)
  const kept = set.versions.filter(v => !coversDot(seen, v.dot) && !dotEquals(v.dot, version.dot))
  const versions = [...kept, version].sort(compareVersions)
  return { versions, context: incrementClock(set.context, version.dot.node, version.dot.counter) }
}

export function versionToJSON (v: Version): JsonValue {
  return {
    dot: { node: v.dot.node, counter: v.dot.counter },
    hlc: { wallMs: v.hlc.wallMs, logical: v.hlc.logical, node: v.hlc.node },
    value: v.deleted ? null : v.value,
    deleted: v.deleted
  }
}

export function versionFromJSON (json: unknown): Version {
  if (typeof json !== 'object' || json === null) throw new InvalidStateError('version must be an object {dot, hlc, value, deleted}')
  const { dot, hlc, value, deleted } = json as Record<string, unknown>
  if (typeof deleted !== 'boolean') throw new InvalidStateError('version.deleted must be a boolean')
  return { dot: dotFromJSON(dot), hlc: hlcFromJSON(hlc), value: deleted ? null : cloneJson((value ?? null) as JsonValue), deleted }
}

export function versionSetToJSON (s: VersionSet): JsonValue {
  return { versions: s.versions.map(versionToJSON), context: clockToJSON(s.context) }
}

export function versionSetFromJSON (json: unknown): VersionSet {
  if (typeof json !== 'object' || json === null) throw new InvalidStateError('version set must be an object {versions, context}')
  const { versions, context } = json as Record<string, unknown>
  if (!Array.isArray(versions)) throw new InvalidStateError('versions must be an array')
  const ctx = clockFromJSON(context ?? {})
  const parsed = versions.map(versionFromJSON)
  for (const v of parsed) if (!coversDot(ctx, v.dot)) throw new InvalidStateError(`version dot ${dotKey(v.dot)} is not covered by the context`)
  return mergeVersionSets(EMPTY_VERSION_SET, { versions: parsed, context: ctx })
}
