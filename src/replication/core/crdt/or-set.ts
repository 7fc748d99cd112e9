import { canonicalJson, cloneJson, compareStrings } from '../json.js'
import type { JsonValue } from '../json.js'
import { contextOf, nextDot } from './causal-context.js'
import { EMPTY_KERNEL, joinKernels, kernelFromJSON, kernelToJSON } from './dot-kernel.js'
import type { DotKernel } from './dot-kernel.js'

/**
 * Observed-remove set, add-wins: an element is present while some add of it has not been removed by a
 * remove that saw it. Removal deletes dots and keeps only the causal context, so there are no tombstones.
 * Elements are JSON values compared by canonical JSON.
 */
export type ORSetState = DotKernel

function empty (): ORSetState { return EMPTY_KERNEL }

function dotsOf (state: ORSetState, element: JsonValue): ORSetState['entries'] {
  const text = canonicalJson(element)
  return state.entries.filter(e => canonicalJson(e.value) === text)
}

/** Adds `element` as `node`; the delta also retires the element's earlier dots. */
function add (state: ORSetState, node: string, element: JsonValue): ORSetState {
  const dot = nextDot(state.context, node)
  const previous = dotsOf(state, element).map(e => e.dot)
  return { entries: [{ dot, value: cloneJson(element) }], context: contextOf([...previous, dot]) }
}

/** Removes the adds of `element` this state has observed (a concurrent add elsewhere survives). */
function remove (state: ORSetState, element: JsonValue): ORSetState {
  return { entries: [], context: contextOf(dotsOf(state, element).map(e => e.dot)) }
}

function has (state: ORSetState, element: JsonValue): boolean {
  return dotsOf(state, element).length > 0
}

function join (a: ORSetState, b: ORSetState): ORSetState {
  return joinKernels(a, b)
}

/** The elements, sorted by canonical JSON. */
function value (state: ORSetState): JsonValue[] {
  const byText = new Map<string, JsonValue>()
  for (const e of state.entries) byText.set(canonicalJson(e.value), e.value)
  return [...byText.keys()].sort(compareStrings).map(k => cloneJson(byText.get(k) as JsonValue))
}

export const ORSet = { type: 'or-set', empty, add, remove, has, join, merge: join, value, toJSON: kernelToJSON, fromJSON: kernelFromJSON } as const
