/**
 * The checks node options are validated with. Each takes the value and its field path (as the user wrote it:
 * `listen[1]`, `raft.expect`) and returns the value typed, or throws the `fail` error of the caller naming that
 * path and the form expected. Small on purpose: a schema library costs megabytes of memory in every process.
 */

/** Throws the caller's error for `field`. */
export type Fail = (field: string, message: string) => never

export interface Checks {
  /**
   * A plain object; with `allowed`, only those keys (an unknown one fails as `field.key`: 'unknown option'), without
   * it any key (a map from user-chosen names).
   */
  object: (value: unknown, field: string, allowed?: readonly string[]) => Record<string, unknown>
  string: (value: unknown, field: string, rule?: { min?: number, max?: number, pattern?: RegExp, message?: string }) => string
  integer: (value: unknown, field: string, rule?: { min?: number, max?: number }) => number
  boolean: (value: unknown, field: string) => boolean
  array: <T>(value: unknown, field: string, item: (value: unknown, field: string) => T) => T[]
  oneOf: <T extends string>(value: unknown, field: string, allowed: readonly T[]) => T
  /** `parent.key`, or `key` at the top level. */
  child: (parent: string, key: string) => string
}

function describe (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

export function createChecks (fail: Fail, root: string): Checks {
  const child = (parent: string, key: string): string => parent === root ? key : `${parent}.${key}`
  const type = (field: string, expected: string, value: unknown): never => fail(field, `expected ${expected}, received ${describe(value)}`)
  return {
    child,
    object (value, field, allowed) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return type(field, 'object', value)
      const record = value as Record<string, unknown>
      if (allowed !== undefined) for (const key of Object.keys(record)) if (!allowed.includes(key)) fail(child(field, key), 'unknown option')
      return record
    },
    string (value, field, rule = {}) {
      if (typeof value !== 'string') return type(field, 'string', value)
      if (rule.min !== undefined && value.length < rule.min) fail(field, rule.message ?? `expected at least ${rule.min} characters`)
      if (rule.max !== undefined && value.length > rule.max) fail(field, `expected at most ${rule.max} characters`)
      if (rule.pattern !== undefined && !rule.pattern.test(value)) fail(field, rule.message ?? `expected a string matching ${String(rule.pattern)}`)
      return value
    },
    integer (value, field, rule = {}) {
      if (typeof value !== 'number' || Number.isNaN(value)) return type(field, 'number', value)
      if (!Number.isSafeInteger(value)) fail(field, 'expected a whole number')
      if (rule.min !== undefined && value < rule.min) fail(field, `expected at least ${rule.min}`)
      if (rule.max !== undefined && value > rule.max) fail(field, `expected at most ${rule.max}`)
      return value
    },
    boolean (value, field) {
      return typeof value === 'boolean' ? value : type(field, 'boolean', value)
    },
    array (value, field, item) {
      if (!Array.isArray(value)) return type(field, 'array', value)
      return value.map((v, i) => item(v, `${field}[${i}]`))
    },
    oneOf (value, field, allowed) {
      if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as (typeof allowed)[number]
      const names = allowed.map(a => JSON.stringify(a))
      return fail(field, `expected ${names.length > 1 ? names.slice(0, -1).join(', ') + ' or ' + (names.at(-1) as string) : names.join('')}`)
    }
  }
}
