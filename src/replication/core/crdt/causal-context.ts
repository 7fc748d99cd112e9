import { compareDots, dotFromJSON } from '../dot.js'
import type { Dot } from '../dot.js'
import { InvalidStateError } from '../errors.js'
import { clockFromJSON, clockToJSON, counterOf } from '../vector-clock.js'
import type { VectorClock } from '../vector-clock.js'

/**
 * The set of dots a CRDT state has seen: a compact vector (every dot of node n up to vv[n]) plus a cloud of
 * dots seen out of order. Normal form: the cloud holds no dot the vector covers and no dot vv[n] + 1, and is
 * sorted, so equal sets have equal JSON.
 */
export interface CausalContext {
  readonly vv: VectorClock
  readonly cloud: readonly Dot[]
}

export const EMPTY_CONTEXT: CausalContext = { vv: {}, cloud: [] }

/** True when the context has seen the dot. */
export function contextHas (ctx: CausalContext, dot: Dot): boolean {
  if (dot.counter <= counterOf(ctx.vv, dot.node)) return true
  return ctx.cloud.some(d => d.node === dot.node && d.counter === dot.counter)
}

/** The next dot `node` issues after everything in the context (its own dots are always contiguous). */
export function nextDot (ctx: CausalContext, node: string): Dot {
  let max = counterOf(ctx.vv, node)
  for (const d of ctx.cloud) if (d.node === node && d.counter > max) max = d.counter
  return { node, counter: max + 1 }
}

/** Brings a context to normal form: cloud dots joined into the vector where contiguous, sorted, deduplicated. */
export function compactContext (vv: VectorClock, cloud: readonly Dot[]): CausalContext {
  const out: Record<string, number> = { ...clockToJSON(vv) }
  // Ascending order per node: once a dot stays in the cloud no later dot can make it contiguous.
  const sorted = cloud.slice().sort(compareDots)
  const rest: Dot[] = []
  for (const d of sorted) {
    const have = Object.hasOwn(out, d.node) ? out[d.node] as number : 0
    if (d.counter <= have) continue
    if (d.counter === have + 1) out[d.node] = d.counter
    else if (rest.length === 0 || compareDots(rest[rest.length - 1] as Dot, d) !== 0) rest.push(d)
  }
  return { vv: clockToJSON(out), cloud: rest }
}

/** The union of two contexts, in normal form. */
export function joinContexts (a: CausalContext, b: CausalContext): CausalContext {
  const vv: Record<string, number> = { ...a.vv }
  for (const [node, c] of Object.entries(b.vv)) if (c > counterOf(vv, node)) vv[node] = c
  return compactContext(vv, [...a.cloud, ...b.cloud])
}

/** A context holding exactly the given dots. */
export function contextOf (dots: readonly Dot[]): CausalContext {
  return compactContext({}, dots)
}

export function contextToJSON (ctx: CausalContext): { vv: Record<string, number>, cloud: Array<{ node: string, counter: number }> } {
  return { vv: clockToJSON(ctx.vv), cloud: ctx.cloud.map(d => ({ node: d.node, counter: d.counter })) }
}

export function contextFromJSON (json: unknown): CausalContext {
  if (typeof json !== 'object' || json === null) throw new InvalidStateError('causal context must be an object {vv, cloud}')
  const { vv, cloud } = json as Record<string, unknown>
  if (!Array.isArray(cloud)) throw new InvalidStateError('causal context cloud must be an array')
  return compactContext(clockFromJSON(vv ?? {}), cloud.map(dotFromJSON))
}
