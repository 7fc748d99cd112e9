import type { BalancerContext, DedupeMarks } from './types.js'

/** Starts a new de-duplication pass; reusing one map avoids building a Set per selection. */
function nextGeneration (marks: DedupeMarks): number {
  marks.generation++
  if (marks.seen.size > 4096) marks.seen.clear()
  return marks.generation
}

/**
 * The candidates a selection may use, in the given order: alive in the health view (unknown, suspect and
 * dead peers are left out), load not above `maxLoad`, fewer than `maxInFlight` calls in flight, and
 * admitted by the gate (an open circuit breaker refuses). Without duplicates unless `dedupe` is false
 * (for algorithms whose choice a repeated candidate cannot skew).
 */
export function eligibleCandidates (ctx: BalancerContext, candidates: readonly string[], now: number | undefined, dedupe = true): string[] {
  const out: string[] = []
  const marks = dedupe && candidates.length > 16 ? ctx.dedupe : undefined
  const generation = marks === undefined ? 0 : nextGeneration(marks)
  for (let i = 0; i < candidates.length; i++) {
    const peer = candidates[i] as string
    if (marks !== undefined) {
      if (marks.seen.get(peer) === generation) continue
      marks.seen.set(peer, generation)
    } else if (dedupe && out.includes(peer)) {
      continue
    }
    const health = ctx.health.get(peer)
    if (health === undefined || health.status !== 'alive') continue
    if (ctx.maxLoad !== undefined && health.load !== undefined && health.load > ctx.maxLoad) continue
    if (ctx.maxInFlight !== undefined && ctx.inFlight.count(peer) >= ctx.maxInFlight) continue
    if (ctx.gate !== undefined && !ctx.gate.isAvailable(peer, now)) continue
    out.push(peer)
  }
  return out
}

/**
 * The peer after `last` in lexical order among `peers` (wrapping to the smallest). Independent of the order
 * the caller lists candidates in, so rotation stays fair while membership changes.
 */
export function nextAfter (peers: readonly string[], last: string | undefined): string | undefined {
  let smallest: string | undefined
  let successor: string | undefined
  for (const peer of peers) {
    if (smallest === undefined || peer < smallest) smallest = peer
    if (last !== undefined && peer > last && (successor === undefined || peer < successor)) successor = peer
  }
  return successor ?? smallest
}

/** `peers` sorted lexically, rotated to start right after `last`. */
export function rotationAfter (peers: readonly string[], last: string | undefined): string[] {
  const sorted = [...peers].sort()
  if (last === undefined) return sorted
  const start = sorted.findIndex((peer) => peer > last)
  return start <= 0 ? sorted : [...sorted.slice(start), ...sorted.slice(0, start)]
}
