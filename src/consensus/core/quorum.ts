/**
 * Quorum arithmetic, free of any Raft state: the index a majority has reached, and the outcome
 * of a vote. Joint variants (both majorities required) are provided for completeness.
 */
import type { NodeId } from './types.js'

export type VoteResult = 'won' | 'lost' | 'pending'

/**
 * The largest index that a majority of `voters` has reached, given each voter's acknowledged
 * index (`undefined` counts as 0). With no voters, returns Infinity (a vacuous majority), so a
 * joint result is decided by the other half.
 */
export function majorityCommitted (voters: readonly NodeId[], acked: (id: NodeId) => number | undefined): number {
  if (voters.length === 0) return Infinity
  // Insertion sort, descending, into a reused array: this runs for every acknowledgement a leader gets.
  const indexes = sortScratch
  indexes.length = 0
  for (const id of voters) {
    const v = acked(id) ?? 0
    let i = indexes.length
    indexes.push(v)
    while (i > 0 && (indexes[i - 1] as number) < v) {
      indexes[i] = indexes[i - 1] as number
      i--
    }
    indexes[i] = v
  }
  return indexes[Math.floor(voters.length / 2)] as number
}

const sortScratch: number[] = []

/** The outcome of a vote among `voters`; `votes` maps a voter to granted (true) or rejected (false). */
export function majorityVoteResult (voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won'
  let granted = 0
  let missing = 0
  for (const id of voters) {
    const v = votes.get(id)
    if (v === true) granted++
    else if (v === undefined) missing++
  }
  const quorum = Math.floor(voters.length / 2) + 1
  if (granted >= quorum) return 'won'
  if (granted + missing >= quorum) return 'pending'
  return 'lost'
}

/** True when the nodes for which `active` holds form a majority of `voters`. */
export function majorityActive (voters: readonly NodeId[], active: (id: NodeId) => boolean): boolean {
  const votes = new Map<NodeId, boolean>()
  for (const id of voters) votes.set(id, active(id))
  return majorityVoteResult(voters, votes) === 'won'
}

/** Joint consensus: the index both majorities have reached. */
export function jointCommitted (incoming: readonly NodeId[], outgoing: readonly NodeId[], acked: (id: NodeId) => number | undefined): number {
  return Math.min(majorityCommitted(incoming, acked), majorityCommitted(outgoing, acked))
}

/** Joint consensus: won only when both halves won, lost when either lost. */
export function jointVoteResult (incoming: readonly NodeId[], outgoing: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const a = majorityVoteResult(incoming, votes)
  const b = majorityVoteResult(outgoing, votes)
  if (a === b) return a
  if (a === 'lost' || b === 'lost') return 'lost'
  return 'pending'
}
