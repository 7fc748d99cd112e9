import { cloneJson, compareStrings, canonicalJson } from '../json.js'
import type { JsonValue } from '../json.js'
import { contextOf, joinContexts, nextDot } from './causal-context.js'
import { EMPTY_KERNEL, joinKernels, kernelFromJSON, kernelToJSON } from './dot-kernel.js'
import type { DotKernel } from './dot-kernel.js'

/**
 * Multi-value register: a write replaces every value it has seen; concurrent writes all survive, so the
 * value is the set of concurrent values (sorted by canonical JSON, duplicates removed).
 */
export type MVRegisterState = DotKernel

function empty (): MVRegisterState { return EMPTY_KERNEL }

/** Writes `value` as `node`, superseding every value in `state`; returns the delta. */
function set (state: MVRegisterState, node: string, value: JsonValue): MVRegisterState {
  const dot = nextDot(state.context, node)
  return {
    entries: [{ dot, value: cloneJson(value) }],
    context: joinContexts(contextOf(state.entries.map(e => e.dot)), contextOf([dot]))
  }
}

function join (a: MVRegisterState, b: MVRegisterState): MVRegisterState {
  return joinKernels(a, b)
}

function value (state: MVRegisterState): JsonValue[] {
  const byText = new Map<string, JsonValue>()
  for (const e of state.entries) byText.set(canonicalJson(e.value), e.value)
  return [...byText.keys()].sort(compareStrings).map(k => cloneJson(byText.get(k) as JsonValue))
}

export const MVRegister = { type: 'mv-register', empty, set, join, merge: join, value, toJSON: kernelToJSON, fromJSON: kernelFromJSON } as const
