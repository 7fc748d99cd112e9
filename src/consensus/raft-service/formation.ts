/**
 * Cluster formation with `--raft-expect N`: which initial voters to bootstrap with, computed the same
 * way by every node so that exactly one cluster forms even when all nodes start at once.
 *
 * Rule: the initial voters are the N smallest peer ids among this node, the peers it sees that are
 * not in a cluster, and the members of those peers' own proposals (so that a node connected to only
 * part of the mesh, e.g. a leaf of a star, still proposes the same set as the well-connected ones).
 * Two phases, so that views changing between rounds cannot make two overlapping sets bootstrap: a node
 * that is one of them and sees every other one propose the same set LOCKS it (it proposes nothing else
 * from then on, until the lock expires, which the driver decides); it bootstraps only once every other
 * one of them reports the same lock. Two different sets would need a node in both to lock both, so at
 * most one set bootstraps while locks hold (disjoint views, e.g. a mesh split at start-up, can still
 * form one cluster each). A lock is given up (`unlock`) as soon as another member of its set is seen
 * proposing or holding a different set: the set cannot have bootstrapped without that member's lock. Every member writes the same first log entry, so their logs agree. A locked
 * node that sees a peer running a cluster whose voters are exactly its locked set bootstraps that set too;
 * a chosen node that cannot hear every other one waits and is pulled in by the first message from
 * the bootstrapped ones. Any other node that sees a peer already in a cluster joins it (as a learner,
 * through that peer). Pure: no IO.
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
  /** The set the peer has locked (empty when none; absent from peers of an older version). */
  locked?: string[]
}

export type FormationDecision =
  | { action: 'wait', proposal: string[], unlock?: true }
  | { action: 'lock', voters: string[] }
  | { action: 'bootstrap', voters: string[] }
  | { action: 'join', via: string }

/** `locked`: the set this node has locked (empty when none). */
export function decideFormation (self: string, expect: number | undefined, peers: readonly ClusterInfo[], locked: readonly string[] = []): FormationDecision {
  const formed = peers.filter(p => p.voters.length > 0)
  if (formed.length > 0) {
    if (locked.length > 0 && formed.some(p => sameSet([...p.voters].sort(), locked))) return { action: 'bootstrap', voters: [...locked] }
    const withLeader = formed.find(p => p.leader !== '') ?? formed[0] as ClusterInfo
    return { action: 'join', via: withLeader.peer }
  }
  if (expect === undefined) return { action: 'wait', proposal: [] }
  let unlocked = false
  if (locked.length > 0) {
    const allLocked = locked.every(v => v === self || sameSet(peers.find(p => p.peer === v)?.locked ?? [], locked))
    if (allLocked) return { action: 'bootstrap', voters: [...locked] }
    // A member that locked or proposes another set cannot complete this one while it does (and has not
    // completed it: that needed its lock on it), so holding this lock would only stall formation.
    const abandoned = locked.some(v => {
      const p = v === self ? undefined : peers.find(x => x.peer === v)
      if (p === undefined) return false
      const theirs = (p.locked ?? []).length > 0 ? p.locked ?? [] : p.proposal
      return theirs.length > 0 && !sameSet(theirs, locked)
    })
    if (!abandoned) return { action: 'wait', proposal: [...locked] }
    unlocked = true
  }
  const decision = freshDecision(self, expect, peers)
  return unlocked && decision.action === 'wait' ? { ...decision, unlock: true } : decision
}

function freshDecision (self: string, expect: number, peers: readonly ClusterInfo[]): FormationDecision {
  const candidates = [...new Set([self, ...peers.map(p => p.peer), ...peers.flatMap(p => p.proposal)])].sort()
  if (candidates.length < expect) return { action: 'wait', proposal: [] }
  const voters = candidates.slice(0, expect)
  if (!voters.includes(self)) return { action: 'wait', proposal: voters }
  const agreed = voters.every(v => v === self || sameSet(peers.find(p => p.peer === v)?.proposal ?? [], voters))
  return agreed ? { action: 'lock', voters } : { action: 'wait', proposal: voters }
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
