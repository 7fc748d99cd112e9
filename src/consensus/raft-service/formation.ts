/**
 * Cluster formation with `--raft-expect N`: which initial voters to bootstrap with, computed the same
 * way by every node so that exactly one cluster forms even when all nodes start at once.
 *
 * Rule: the initial voters are the N smallest peer ids among this node, the peers it sees that are
 * not in a cluster, and the members of those peers' own proposals (so that a node connected to only
 * part of the mesh, e.g. a leaf of a star, still proposes the same set as the well-connected ones).
 * A node bootstraps only when it is one of them AND every other one of them reports (through its
 * cluster info) that it computed the same set; every member writes the same first log entry, so
 * their logs agree. A chosen node that cannot hear every other one waits and is pulled in by the
 * first message from the bootstrapped ones. A node that sees a peer already in a cluster joins it
 * instead (as a learner, through that peer). Pure: no IO.
 */

/** What a peer says about itself (the INFO answer of the client protocol). */
export interface ClusterInfo {
  peer: string
  /** Voters of the cluster the peer is in (empty when it is in none). */
  voters: string[]
  learners: string[]
  /** The leader the peer knows ('' when none). */
  leader: string
  /** The initial voter set the peer currently proposes (empty when it proposes none). */
  proposal: string[]
}

export type FormationDecision =
  | { action: 'wait', proposal: string[] }
  | { action: 'bootstrap', voters: string[] }
  | { action: 'join', via: string }

export function decideFormation (self: string, expect: number | undefined, peers: readonly ClusterInfo[]): FormationDecision {
  const formed = peers.filter(p => p.voters.length > 0)
  if (formed.length > 0) {
    const withLeader = formed.find(p => p.leader !== '') ?? formed[0] as ClusterInfo
    return { action: 'join', via: withLeader.peer }
  }
  if (expect === undefined) return { action: 'wait', proposal: [] }
  const candidates = [...new Set([self, ...peers.map(p => p.peer), ...peers.flatMap(p => p.proposal)])].sort()
  if (candidates.length < expect) return { action: 'wait', proposal: [] }
  const voters = candidates.slice(0, expect)
  if (!voters.includes(self)) return { action: 'wait', proposal: voters }
  const agreed = voters.every(v => v === self || sameSet(peers.find(p => p.peer === v)?.proposal ?? [], voters))
  return agreed ? { action: 'bootstrap', voters } : { action: 'wait', proposal: voters }
}

function sameSet (a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/**
 * Which learner to promote now (or none): keep the voter count odd up to `maxVoters`. With an even
 * count one caught-up learner is promoted; with an odd count only when two learners are caught up
 * (the second follows in the next round) and the count stays within `maxVoters`.
 */
export function learnerToPromote (voters: number, caughtUp: readonly string[], maxVoters: number): string | undefined {
  if (caughtUp.length === 0 || voters >= maxVoters) return undefined
  if (voters % 2 === 0) return caughtUp[0]
  if (caughtUp.length >= 2 && voters + 2 <= maxVoters) return caughtUp[0]
  return undefined
}
