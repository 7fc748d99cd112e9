/**
 * @packageDocumentation
 *
 * `raft(init)`: Raft over libp2p with durable storage and the strongly consistent KV state machine,
 * as a libp2p service (`'@fedmesh/raft'`, logger `fedmesh:raft`).
 *
 * Contracts:
 * - Timing (defaults): tick 10 ms, election timeout 45 ticks (drawn from 450–900 ms), heartbeat
 *   every 5 ticks, pre-vote and check-quorum on: a dead leader is replaced in about 0.5–0.9 s, and a
 *   leader that loses its quorum steps down within an election timeout.
 * - Driver: persist (one synced LevelDB batch per Ready, `<dataDir>/raft`) → send → apply → advance;
 *   snapshots when the core asks (after `snapshotThreshold` applied entries that also hold at least
 *   twice as many bytes as the last snapshot, or 10 times as many entries) and compacts the log.
 * - Writes (`propose`, `put`, `delete`, locks) resolve once committed AND applied on the node that
 *   took them, with its state machine's result (revision). A follower hands them to the leader in Raft
 *   `propose` messages and recognizes them by their tag when it applies them; membership requests go
 *   over `/fedmesh/raft-client/1.0.0`. Nothing is acknowledged before it is committed: no leader, no
 *   quorum, or no commit within `requestTimeoutMs` rejects with `NoQuorumError` (the outcome of a
 *   timed-out write, or of a follower's write when the leader changes, is unknown; a leader's own
 *   write lost in a leader change is known to have failed).
 * - Reads: `linearizable` (default) goes through ReadIndex (the leader confirms its leadership with a
 *   quorum, this node waits until it applied that index); `serializable` reads local state.
 * - Formation: with `expect: N`, the N smallest verified peer ids (once every one of them agrees)
 *   bootstrap exactly one cluster; nodes that find an existing cluster join as learners and are
 *   promoted once caught up, keeping an odd voter count up to `maxVoters` (default 5).
 * - Only peers `isVerified` accepts take part in any of the three protocols.
 *
 * @example
 * ```ts
 * const node = await createLibp2p({ ..., services: { raft: raft({ dataDir, expect: 3 }) } })
 * await node.services.raft.put('config/x', new TextEncoder().encode('1'))
 * const entry = await node.services.raft.get('config/x')     // linearizable
 * ```
 */
import { RaftService } from './raft-service.js'
import type { RaftComponents, RaftInit } from './types.js'

export { RaftService } from './raft-service.js'
export type { LockLease } from './raft-service.js'
export * from './errors.js'
export * from './constants.js'
export { decideFormation, learnerToPromote } from './formation.js'
export type { ClusterInfo, FormationDecision } from './formation.js'
export type * from './types.js'

export function raft (init: RaftInit = {}): (components: RaftComponents) => RaftService {
  return (components) => new RaftService(components, init)
}
