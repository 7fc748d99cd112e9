import type { Balancer, SelectOptions } from './types.js'

export interface FailoverOptions extends SelectOptions {
  /** Longest list returned (the first try plus retries); default: every eligible candidate. */
  maxAttempts?: number
}

/**
 * The order in which to try peers for one call with failover: the peer `balancer.select` chooses (this
 * counts as a selection and advances the algorithm), then the other eligible candidates in the algorithm's
 * order of preference (for consistent hashing: the next distinct peers clockwise on the ring, i.e. the key's
 * replicas). Empty when no candidate is eligible. The adapter tries them in turn until one succeeds.
 */
export function failoverOrder (balancer: Balancer, candidates: readonly string[], options: FailoverOptions = {}): string[] {
  const limit = options.maxAttempts ?? Number.POSITIVE_INFINITY
  if (!(limit >= 1)) return []
  const first = balancer.select(candidates, options)
  if (first === undefined) return []
  const out = [first]
  for (const peer of balancer.rank(candidates, options)) {
    if (out.length >= limit) break
    if (peer !== first) out.push(peer)
  }
  return out
}
