import type { PeerStatus } from '../health/types.js'

/**
 * Which side of a split this node is on. `minority`: it cannot reach a majority of the known members (or a
 * quorum of the Raft voters); `isolated`: it reaches no other member at all; `majority`: it keeps quorum but
 * at least `majoritySideMinUnreachable` members are unreachable; `none`: no partition.
 */
export type PartitionType = 'none' | 'minority' | 'majority' | 'isolated'

/** What to do about state that diverged while partitioned, decided up front and applied on heal. */
export type RecoveryStrategy = 'wait-for-heal' | 'merge' | 'reset-to-known-good' | 'manual'

export interface PartitionState {
  partitioned: boolean
  type: PartitionType
  /** Members this node cannot reach (suspect, dead or never heard of), sorted. Empty when not partitioned. */
  affectedNodes: string[]
  /** When the current partition began (ms), null when not partitioned. */
  since: number | null
}

export interface StatusSource {
  statusOf (peer: string): PeerStatus | undefined
}

/** A step the adapter takes when a partition heals (in the order given). */
export type RecoveryAction =
  /** Run anti-entropy with these peers now: `push-pull` merges both ways, `push` sends ours, `pull` fetches theirs. */
  | { kind: 'anti-entropy', peers: string[], direction: 'push-pull' | 'push' | 'pull' }
  /** Replace local state that diverged with the state of these peers (the side that kept quorum). */
  | { kind: 'adopt-state', from: string[] }
  /** Serve local requests again (they were refused while on the minority side). */
  | { kind: 'resume-serving' }
  /** Tell an operator: nothing is reconciled automatically. */
  | { kind: 'alert-operator', message: string }

export interface RecoveryPlan {
  strategy: RecoveryStrategy
  /** The side this node was on during the episode (minority if it ever lacked quorum). */
  side: 'minority' | 'majority'
  actions: RecoveryAction[]
}

/** What diverged in one subsystem during a partition, as the adapter measured it. Counts add up across reports. */
export interface SubsystemDivergence {
  /** Changes made on this side only. */
  localChanges?: number
  /** Changes made on the other side only. */
  remoteChanges?: number
  /** Keys changed on both sides. */
  conflicts?: number
  detail?: string
}

export interface PartitionResolution {
  outcome: 'resolved' | 'failed' | 'manual'
  detail?: string
}

export interface PartitionReport {
  id: number
  startedAt: number
  healedAt: number
  durationMs: number
  side: 'minority' | 'majority'
  /** Every type the episode went through, in order. */
  types: PartitionType[]
  /** Every member unreachable at some point of the episode, sorted. */
  affectedNodes: string[]
  plan: RecoveryPlan
  divergence: Record<string, SubsystemDivergence>
  resolution: PartitionResolution
  completedAt: number
}

export type PartitionEvent =
  | { type: 'detected', at: number, episode: number, state: PartitionState }
  | { type: 'changed', at: number, episode: number, state: PartitionState }
  | { type: 'healed', at: number, episode: number, durationMs: number, plan: RecoveryPlan }

export interface PartitionStats {
  partitionsSeen: number
  healed: number
  partitioned: boolean
  type: PartitionType
  longestMs: number
  totalPartitionedMs: number
}

export interface PartitionDetectorOptions {
  /** This node's id (always counted as reachable). */
  self: string
  strategy?: RecoveryStrategy
  /** Keep serving local requests on the minority side (stale reads, local writes to reconcile later). */
  serveLocalWhilePartitioned?: boolean
  /** On the quorum side, this many unreachable members make a `majority` partition (Infinity: never). */
  majoritySideMinUnreachable?: number
  /** The condition must hold this long before a partition is declared. */
  detectAfterMs?: number
  /** The partition must be gone this long before it is declared healed. */
  healAfterMs?: number
  /** Members the health view does not know count as unreachable. */
  unknownIsUnreachable?: boolean
  /** Finished reports kept. */
  maxReports?: number
}
