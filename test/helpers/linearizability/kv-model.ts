import type { Model, Operation } from './checker.js'

/** Inputs of a string key-value register store. */
export type KvInput =
  | { op: 'put', key: string, value: string }
  | { op: 'get', key: string }
  | { op: 'cas', key: string, expect: string | null, value: string }
  | { op: 'delete', key: string }

/** Outputs: put and delete `{}`, get `{ value }` (null when absent), cas `{ ok }`. */
export type KvOutput = Record<string, never> | { value: string | null } | { ok: boolean }

/** The store: key to value; absent keys are missing. Never mutated (steps copy). */
export type KvModelState = ReadonlyMap<string, string>

export type KvOperation = Operation<KvInput, KvOutput>

function withValue (state: KvModelState, key: string, value: string | null): KvModelState {
  const next = new Map(state)
  if (value === null) next.delete(key)
  else next.set(key, value)
  return next
}

/**
 * Sequential specification of a linearizable key-value store. `cas` writes `value` iff the current
 * value equals `expect` (null = absent). Partitions by key: operations on different keys commute.
 */
export const kvModel: Model<KvModelState, KvInput, KvOutput> = {
  init: () => new Map(),

  step (state, input, output) {
    const current = state.get(input.key) ?? null
    switch (input.op) {
      case 'put':
        return { ok: true, state: withValue(state, input.key, input.value) }
      case 'delete':
        return { ok: true, state: withValue(state, input.key, null) }
      case 'get':
        return { ok: output === undefined || (output as { value: string | null }).value === current, state }
      case 'cas': {
        const swaps = current === input.expect
        const ok = output === undefined || (output as { ok: boolean }).ok === swaps
        return { ok, state: swaps ? withValue(state, input.key, input.value) : state }
      }
    }
  },

  partition (history) {
    const byKey = new Map<string, KvOperation[]>()
    for (const op of history) {
      const part = byKey.get(op.input.key)
      if (part === undefined) byKey.set(op.input.key, [op])
      else part.push(op)
    }
    return [...byKey.values()]
  },

  hash (state) {
    // Length-prefixed, so distinct states never collide.
    let out = ''
    for (const key of [...state.keys()].sort()) {
      const value = state.get(key) as string
      out += `${key.length}:${key}${value.length}:${value}`
    }
    return out
  },

  describe (input, output) {
    const out = output === undefined ? '?' : JSON.stringify(output)
    switch (input.op) {
      case 'put': return `put(${input.key}, ${JSON.stringify(input.value)}) -> ${out}`
      case 'get': return `get(${input.key}) -> ${out}`
      case 'cas': return `cas(${input.key}, ${JSON.stringify(input.expect)} => ${JSON.stringify(input.value)}) -> ${out}`
      case 'delete': return `delete(${input.key}) -> ${out}`
    }
  },

  describeState (state) {
    return JSON.stringify(Object.fromEntries([...state.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))))
  }
}
