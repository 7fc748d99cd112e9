/**
 * @packageDocumentation
 *
 * A pure, deterministic Raft core in the style of etcd-io/raft: no IO, no timers, no randomness of
 * its own. Time is `tick()`, input is `step(message)` and proposals, output is `ready()`.
 *
 * ## Driver contract
 *
 * The driver owns storage, the network and the state machine. In a loop, whenever
 * `core.hasReady()`:
 *
 * 1. `const rd = core.ready()`
 * 2. Persist, atomically if possible and in this order: `rd.snapshot` (replacing the stored
 *    snapshot and deleting all stored entries), `rd.entries` (first deleting stored entries with
 *    index >= rd.entries[0].index), `rd.hardState`.
 * 3. Send `rd.messages` (only now: a vote or an acknowledgement must never leave before the state
 *    it promises is durable; when `rd.sendBeforePersist` is set, a leader may send them before or while
 *    persisting instead). Delivery may fail, duplicate or reorder; the core copes.
 * 4. Apply: restore the state machine from `rd.snapshot` if present, then apply
 *    `rd.committedEntries` in order. Normal entries with empty data are the leaders' term-start
 *    entries: apply them as no-ops. `conf-change` entries are already in force in the core; the
 *    state machine may ignore them or decode them with `decodeConfChangeRecord`. Serve each read
 *    of `rd.readStates` once the applied index reaches its `index`.
 * 5. `core.advance(rd)`.
 * 6. If `rd.snapshotRequest`, snapshot the state machine at its applied index and call
 *    `core.compact(appliedIndex, data)`; if it returns a Snapshot, persist it and delete stored
 *    entries up to its index (undefined: a newer snapshot already covers that index).
 *
 * Between `ready()` and `advance()` the driver may keep feeding `tick()`, `step()`, proposals and
 * reads; their output waits for the next Ready (`hasReady()` is false and `ready()` throws until
 * `advance()`). Call `tick()` at a fixed interval (e.g. every 100 ms). A proposal returns its
 * (index, term); it took effect iff the committed entry at that index has that term, and it surely
 * failed if the committed entry there has another term. A follower may hand a proposal to the leader
 * with `proposeViaLeader(data)` (etcd's MsgProp): it gets no position and no answer, only the entry
 * when it applies it, so the data should carry a tag the follower recognizes.
 * After a crash, restart with `new RaftCore(config, { hardState, snapshot, entries })` built from
 * storage, and rebuild the state machine from the snapshot: the core re-delivers every committed
 * entry after it.
 *
 * Membership changes are single-server changes (`proposeConfChange`), in force on each node as
 * soon as the entry is in its log; one at a time, and only once the leader has committed an entry
 * of its own term.
 *
 * @example
 * ```ts
 * import { RaftCore } from './index.js'
 * import { seededRandom } from '../../util/pure/random.js'
 *
 * const core = new RaftCore({ id: 'a', peers: ['a'], random: seededRandom(1) })
 * core.campaign()                        // single voter: leader at once
 * core.propose(new TextEncoder().encode('hello'))
 * while (core.hasReady()) {
 *   const rd = core.ready()
 *   // persist rd.hardState / rd.entries, send rd.messages, apply rd.committedEntries ...
 *   core.advance(rd)
 * }
 * ```
 */
export { RaftCore } from './raft.js'
export type { RaftConfig, ProposalPosition } from './raft.js'
export {
  NotLeaderError, ProposalDroppedError, InvalidConfChangeError, InvalidTransferError, CompactionError, RaftInvariantError
} from './errors.js'
export { applyConfChange, decodeConfChangeRecord, encodeConfChangeRecord, isVoter, isMember } from './conf.js'
export type { ConfChangeRecord } from './conf.js'
export { majorityCommitted, majorityVoteResult, jointCommitted, jointVoteResult } from './quorum.js'
export type { VoteResult } from './quorum.js'
export * from './constants.js'
export { NONE } from './types.js'
export type * from './types.js'
