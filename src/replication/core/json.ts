import { InvalidJsonValueError } from './errors.js'

/** A JSON value as stored and replicated: what `JSON.parse` can return, without `undefined`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

export type JsonObject = { [key: string]: JsonValue }

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject (value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The canonical JSON text of a value: object keys in ascending UTF-16 code unit order, no whitespace,
 * numbers as `JSON.stringify` writes them (-0 becomes 0). Two equal values always give the same text.
 * Throws InvalidJsonValueError for undefined, non-finite numbers, functions, symbols, bigints and cycles.
 */
export function canonicalJson (value: unknown): string {
  // Values that are already in canonical form (keys sorted, as JSON.parse of canonical text gives) are written
  // by the native serialiser, which then produces exactly the text `write` would.
  return isCanonicalShape(value, 0) ? JSON.stringify(value) : write(value, 0)
}

/**
 * True when JSON.stringify writes exactly the canonical text of `value`: plain objects and arrays only, object
 * keys in ascending order with no undefined property, finite numbers, no other types. False also for anything
 * `write` refuses (which it then reports).
 */
function isCanonicalShape (value: unknown, depth: number): boolean {
  if (value === null) return true
  switch (typeof value) {
    case 'string':
    case 'boolean': return true
    case 'number': return Number.isFinite(value)
    case 'object': break
    default: return false
  }
  if (depth >= MAX_DEPTH) return false
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      if (!isCanonicalShape(item, depth + 1)) return false
    }
    return true
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return false
  const record = value as Record<string, unknown>
  if (typeof record.toJSON === 'function') return false
  let previous: string | undefined
  for (const k in record) {
    if (!Object.hasOwn(record, k)) return false
    if (previous !== undefined && !(previous < k)) return false
    previous = k
    const v = record[k]
    if (v === undefined || !isCanonicalShape(v, depth + 1)) return false
  }
  return true
}

/** Nesting deeper than this is refused (it also stops cycles). */
const MAX_DEPTH = 512

function write (value: unknown, depth: number): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean': return value ? 'true' : 'false'
    case 'string': return JSON.stringify(value)
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidJsonValueError(`not a finite number: ${String(value)}`)
      return JSON.stringify(value)
    case 'object': break
    default: throw new InvalidJsonValueError(`not a JSON value: ${typeof value}`)
  }
  if (depth >= MAX_DEPTH) throw new InvalidJsonValueError(`nested deeper than ${MAX_DEPTH} levels (or cyclic)`)
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ','
      const item: unknown = value[i]
      out += write(item === undefined ? null : item, depth + 1)
    }
    return out + ']'
  }
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).sort(compareStrings)
  let out = '{'
  let first = true
  for (const k of keys) {
    const v = record[k]
    if (v === undefined) continue
    if (!first) out += ','
    first = false
    out += JSON.stringify(k) + ':' + write(v, depth + 1)
  }
  return out + '}'
}

/** Ordinal string comparison (UTF-16 code units), the order used everywhere a tie is broken by text. */
export function compareStrings (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** A deep copy of a JSON value in canonical form; throws InvalidJsonValueError when it is not JSON. */
export function cloneJson<T extends JsonValue> (value: T): T {
  return JSON.parse(canonicalJson(value)) as T
}

/** Structural equality of two JSON values. */
export function jsonEqual (a: JsonValue, b: JsonValue): boolean {
  return canonicalJson(a) === canonicalJson(b)
}
