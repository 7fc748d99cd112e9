import { compareDots, dotFromJSON, dotKey } from '../dot.js'
import type { Dot } from '../dot.js'
import { InvalidStateError } from '../errors.js'
import { canonicalJson, cloneJson } from '../json.js'
import type { JsonValue } from '../json.js'
import { contextFromJSON, contextHas, contextToJSON, EMPTY_CONTEXT, joinContexts } from './causal-context.js'
import type { CausalContext } from './causal-context.js'

/** One live value and the dot of the event that created it. */
export interface DotEntry {
  readonly dot: Dot
  readonly value: JsonValue
}

/**
 * The common core of the observed-remove CRDTs (OR-Set, MV-Register): live entries keyed by dot plus the
 * causal context of every dot seen. An entry whose dot is in the other side's context but not among its
 * entries was removed there, so removal needs no tombstones. Entries are kept sorted by dot.
 */
export interface DotKernel {
  readonly entries: readonly DotEntry[]
  readonly context: CausalContext
}

export const EMPTY_KERNEL: DotKernel = { entries: [], context: EMPTY_CONTEXT }

/** The join of two kernels: commutative, associative, idempotent. */
export function joinKernels (a: DotKernel, b: DotKernel): DotKernel {
  const inB = new Map(b.entries.map(e => [dotKey(e.dot), e]))
  const inA = new Set(a.entries.map(e => dotKey(e.dot)))
  const out: DotEntry[] = []
  for (const e of a.entries) {
    const other = inB.get(dotKey(e.dot))
    if (other !== undefined) {
      // The same dot always names the same value; pick deterministically should a corrupt copy differ.
      out.push(canonicalJson(other.value) > canonicalJson(e.value) ? other : e)
    } else if (!contextHas(b.context, e.dot)) {
      out.push(e)
    }
  }
  for (const e of b.entries) {
    if (!inA.has(dotKey(e.dot)) && !contextHas(a.context, e.dot)) out.push(e)
  }
  out.sort((x, y) => compareDots(x.dot, y.dot))
  return { entries: out, context: joinContexts(a.context, b.context) }
}

export function kernelToJSON (k: DotKernel): JsonValue {
  return {
    entries: k.entries.map(e => ({ dot: { node: e.dot.node, counter: e.dot.counter }, value: e.value })),
    context: contextToJSON(k.context)
  }
}

export function kernelFromJSON (json: unknown): DotKernel {
  if (typeof json !== 'object' || json === null) throw new InvalidStateError('dot kernel must be an object {entries, context}')
  const { entries, context } = json as Record<string, unknown>
  if (!Array.isArray(entries)) throw new InvalidStateError('dot kernel entries must be an array')
  const parsed = entries.map((e: unknown) => {
    if (typeof e !== 'object' || e === null) throw new InvalidStateError('dot kernel entry must be an object {dot, value}')
    const { dot, value } = e as Record<string, unknown>
    return { dot: dotFromJSON(dot), value: cloneJson((value ?? null) as JsonValue) }
  })
  const ctx = contextFromJSON(context)
  for (const e of parsed) {
    if (!contextHas(ctx, e.dot)) throw new InvalidStateError(`entry dot ${dotKey(e.dot)} is not in the causal context`)
  }
  return joinKernels({ entries: [], context: EMPTY_CONTEXT }, { entries: parsed, context: ctx })
}
