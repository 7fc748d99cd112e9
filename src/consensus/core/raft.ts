/**
 * RaftCore: the Raft algorithm as a deterministic state machine. Input: `tick()`, `step(message)`,
 * proposals. Output: `ready()` (state to persist, messages to send, entries to apply), acknowledged
 * with `advance()`. No IO, no clock, no randomness of its own (election timeouts draw from the
 * injected `Random`). Each role is a step function swapped on role change.
 *
 * Membership changes are single-server changes (one voter added or removed at a time). A
 * configuration takes effect on every node as soon as its entry is in the node's log (committed or
 * not); a leader proposes a change only once an entry of its own term is committed and no other
 * change is uncommitted.
 */
import type { Random } from '../../util/pure/random.js'
import { applyConfChange, confEquals, encodeConfChangeRecord, isMember, isVoter } from './conf.js'
import {
  DEFAULT_ELECTION_TICKS, DEFAULT_HEARTBEAT_TICKS, DEFAULT_MAX_ENTRIES_PER_MSG, DEFAULT_MAX_INFLIGHT_MSGS, DEFAULT_SNAPSHOT_THRESHOLD
} from './constants.js'
import { CompactionError, InvalidTransferError, NotLeaderError, ProposalDroppedError, RaftInvariantError } from './errors.js'
import { RaftLog } from './log.js'
import { Progress } from './progress.js'
import { majorityActive, majorityCommitted, majorityVoteResult } from './quorum.js'
import { ReadOnlyQueue } from './read-only.js'
import { NONE } from './types.js'
import type {
  AppendMessage, AppendResponseMessage, BasicStatus, ConfChange, ConfState, Entry, HardState, HeartbeatMessage, HeartbeatResponseMessage,
  Message, NodeId, ProposeMessage, ReadState, Ready, RestoredState, Role, Snapshot, SnapshotMessage, SoftState, Status,
  VoteMessage
} from './types.js'

export interface RaftConfig {
  /** This node's id (non-empty). */
  id: NodeId
  /** Initial voters, used only for a fresh bootstrap (no restored state). Empty for a node that will be added later. */
  peers?: NodeId[]
  /** Initial learners, used only for a fresh bootstrap. */
  learners?: NodeId[]
  /** Election timeout in ticks; the effective timeout is drawn from [electionTicks, 2 * electionTicks). Default 10. */
  electionTicks?: number
  /** Heartbeat interval in ticks; must be < electionTicks. Default 1. */
  heartbeatTicks?: number
  /** Source of randomness for election timeouts. */
  random: Random
  /** Run a pre-vote round before a real election (no term increase unless it would win). Default true. */
  preVote?: boolean
  /** The leader steps down when a quorum has not been heard from for an election timeout; followers then ignore vote requests while they hear from a leader. Default true. */
  checkQuorum?: boolean
  /** At most this many entries per append message. Default 64. */
  maxEntriesPerMsg?: number
  /** At most this many append messages in flight per follower in replicate state. Default 256. */
  maxInflightMsgs?: number
  /**
   * Ask for a snapshot (Ready.snapshotRequest) once this many entries are applied past the last snapshot and their data
   * is at least `SNAPSHOT_LOG_GROWTH` times as large as the last snapshot, so that snapshots cost about half a byte
   * serialized per byte written however large the state (the log then holds at most about twice the state's size),
   * and in any case once 10 times this many are (a large state of small entries does not keep an ever longer log).
   * Default 10000; 0 disables.
   */
  snapshotThreshold?: number
  /**
   * How a leader tells followers that the commit index moved. `immediate` (default): an append without entries goes
   * out to each follower at once. `deferred`: the commit index rides on the next append or heartbeat; the driver calls
   * `sendCommitNotices()` when `commitNoticesPending()` says some follower still lacks it and no append carried it
   * meanwhile (e.g. a few milliseconds later). Deferring saves two messages per write under sequential load.
   */
  commitNotice?: 'immediate' | 'deferred'
}

type StepFn = (m: Message) => void

/** A snapshot is due after this many times `snapshotThreshold` entries, whatever their size. */
const SNAPSHOT_ENTRIES_CAP_FACTOR = 10

/**
 * The log may grow to this many times the last snapshot's size before the next (the expansion factor of Ongaro's
 * thesis, §5.1.1): snapshots then take 1 / (1 + factor) of the bytes written to disk, and the log up to this many
 * times the state's size. 1 doubled the disk writes of a steady write load, for a log no larger than the state.
 */
export const SNAPSHOT_LOG_GROWTH = 2

const EMPTY = new Uint8Array(0)

/** What a proposal became: the log position to watch (it is applied when it shows up committed with this term). */
export interface ProposalPosition {
  index: number
  term: number
}

export class RaftCore {
  readonly id: NodeId
  private readonly electionTicks: number
  private readonly heartbeatTicks: number
  private readonly random: Random
  private readonly preVote: boolean
  private readonly checkQuorum: boolean
  private readonly maxEntriesPerMsg: number
  private readonly deferCommitNotice: boolean
  private readonly maxInflightMsgs: number
  private readonly snapshotThreshold: number

  private term = 0
  private vote: NodeId = NONE
  private lead: NodeId = NONE
  private role: Role = 'follower'
  private stepRole: StepFn
  private readonly log: RaftLog
  private readonly prs = new Map<NodeId, Progress>()
  private readonly votes = new Map<NodeId, boolean>()
  private msgs: Message[] = []
  private readStates: ReadState[] = []
  private readonly readOnly = new ReadOnlyQueue()
  /** ReadIndex requests that arrived before the leader committed an entry of its term. */
  private pendingReads: Array<{ context: Uint8Array, from: NodeId }> = []
  private electionElapsed = 0
  private heartbeatElapsed = 0
  private randomizedElectionTimeout = 0
  private leadTransferee: NodeId = NONE
  /** Entries were appended on the leader and not yet broadcast. */
  private broadcastPending = false
  /** The commit index moved (deferred notices): proposing followers that lack it get it in the next Ready. */
  private proposerNoticeDue = false
  /** Follower: the propose message of the Ready being built, which later proposals join. */
  private outgoingProposals: ProposeMessage | undefined
  /** This core's run id and its last propose message number (see ProposeMessage). */
  private readonly proposeEpoch: number
  private proposeSeq = 0
  private snapshotRequested = false
  /** Data bytes of the entries (loggedSince, loggedUpTo]; loggedSince is the snapshot index they were counted from. */
  private loggedSince = -1
  private loggedUpTo = 0
  private loggedBytes = 0
  private readyInProgress = false
  private prevHardState: HardState
  private prevSoftState: SoftState

  constructor (config: RaftConfig, restored?: RestoredState) {
    if (typeof config.id !== 'string' || config.id === '') throw new RaftInvariantError('config.id must be a non-empty string')
    this.id = config.id
    this.electionTicks = config.electionTicks ?? DEFAULT_ELECTION_TICKS
    this.heartbeatTicks = config.heartbeatTicks ?? DEFAULT_HEARTBEAT_TICKS
    if (this.heartbeatTicks < 1 || this.electionTicks <= this.heartbeatTicks) throw new RaftInvariantError('need 1 <= heartbeatTicks < electionTicks')
    this.random = config.random
    this.preVote = config.preVote ?? true
    this.checkQuorum = config.checkQuorum ?? true
    this.maxEntriesPerMsg = Math.max(1, config.maxEntriesPerMsg ?? DEFAULT_MAX_ENTRIES_PER_MSG)
    this.deferCommitNotice = config.commitNotice === 'deferred'
    this.maxInflightMsgs = Math.max(1, config.maxInflightMsgs ?? DEFAULT_MAX_INFLIGHT_MSGS)
    this.snapshotThreshold = config.snapshotThreshold ?? DEFAULT_SNAPSHOT_THRESHOLD
    this.stepRole = this.stepFollower
    this.proposeEpoch = this.random.int(1, 2 ** 31 - 1)

    const hasState = restored !== undefined &&
      (restored.snapshot !== undefined || restored.entries.length > 0 || restored.hardState.term > 0)
    if (hasState) {
      this.log = new RaftLog(restored.snapshot)
      this.log.loadEntries(restored.entries)
      this.term = restored.hardState.term
      this.vote = restored.hardState.vote
      this.log.commitTo(Math.min(Math.max(restored.hardState.commit, this.log.committed), this.log.lastIndex))
      this.prevHardState = this.hardState()
    } else {
      this.log = new RaftLog()
      this.prevHardState = this.hardState()
      const voters = config.peers ?? []
      if (voters.length > 0) {
        // Every initial member writes the same first entry, so it is committed from the start.
        const conf: ConfState = { voters: voters.slice(), learners: (config.learners ?? []).slice() }
        this.log.append([{ term: 1, index: 1, type: 'conf-change', data: encodeConfChangeRecord({ conf }) }])
        this.term = 1
        this.log.commitTo(1)
      }
    }
    this.becomeFollower(this.term, NONE)
    this.prevSoftState = this.softState()
  }

  // ---------------------------------------------------------------- public API

  /** Advances logical time by one tick. */
  tick (): void {
    if (this.role === 'leader') this.tickLeader()
    else this.tickElection()
  }

  /** Feeds a message received from a peer. */
  step (m: Message): void {
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'pre-vote') {
        const inLease = this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTicks
        if (!m.transfer && inLease) return
      }
      if (m.type === 'pre-vote' || (m.type === 'pre-vote-response' && !m.reject)) {
        // A pre-vote does not change our term; a granted pre-vote answer carries the future term.
      } else if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
        this.becomeFollower(m.term, m.from)
      } else if (m.type === 'vote') {
        // A newer term alone does not restart the election timer (only hearing from a leader or
        // granting a vote does): a candidate with a stale log must not keep up-to-date nodes
        // from ever timing out.
        const elapsed = this.electionElapsed
        const timeout = this.randomizedElectionTimeout
        this.becomeFollower(m.term, NONE)
        this.electionElapsed = elapsed
        this.randomizedElectionTimeout = timeout
      } else {
        this.becomeFollower(m.term, NONE)
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === 'append' || m.type === 'heartbeat')) {
        // Tell a stale leader about the newer term so it steps down.
        this.send({ type: 'append-response', to: m.from, term: this.term, index: 0, reject: false, rejectHint: 0, logTerm: 0 })
      } else if (m.type === 'pre-vote') {
        this.send({ type: 'pre-vote-response', to: m.from, term: this.term, reject: true })
      }
      return
    }

    if (m.type === 'vote' || m.type === 'pre-vote') {
      this.handleVoteRequest(m)
      return
    }
    this.stepRole(m)
  }

  /**
   * Appends `data` as a normal entry. Leader only: throws NotLeaderError elsewhere and
   * ProposalDroppedError during a leadership transfer.
   */
  propose (data: Uint8Array): ProposalPosition {
    this.assertCanPropose()
    return this.appendEntry('normal', data)
  }

  /**
   * Follower: sends `data` to the leader, which appends it as a normal entry (proposals of one Ready travel in one
   * message). Nothing answers: the proposer learns the outcome when it applies the entry, so `data` should carry a
   * tag it can recognize. The proposal is lost silently when the leader changes or drops it (leadership transfer),
   * so callers use a timeout. Throws NotLeaderError on a leader, a candidate, or a follower that knows no leader.
   */
  proposeViaLeader (data: Uint8Array): void {
    if (this.role !== 'follower' || this.lead === NONE) throw new NotLeaderError(this.lead)
    const pending = this.outgoingProposals
    if (pending !== undefined && pending.to === this.lead && pending.term === this.term) {
      pending.data.push(data)
      return
    }
    const m: ProposeMessage = { type: 'propose', from: this.id, to: this.lead, term: this.term, data: [data], epoch: this.proposeEpoch, seq: ++this.proposeSeq }
    this.outgoingProposals = m
    this.msgs.push(m)
  }

  /**
   * Proposes a single-server membership change. Throws NotLeaderError on a non-leader,
   * ProposalDroppedError while the leader has not committed an entry of its term or another change
   * is not yet committed, InvalidConfChangeError when the change does not apply.
   */
  proposeConfChange (change: ConfChange): ProposalPosition {
    this.assertCanPropose()
    if (this.log.term(this.log.committed) !== this.term) throw new ProposalDroppedError('no entry of the current term is committed yet')
    if (this.log.lastConfIndex > this.log.committed) throw new ProposalDroppedError('another configuration change is not committed yet')
    const conf = applyConfChange(this.log.conf, change)
    return this.appendEntry('conf-change', encodeConfChangeRecord({ change, conf }))
  }

  /**
   * Requests a linearizable read tagged `context` (unique among pending reads). The answer comes
   * as a ReadState in a later Ready: serve the read once the state machine has applied its index.
   * On a follower, the request goes to the leader; it is lost silently if either side changes
   * role, so callers use a timeout. Throws NotLeaderError when no leader is known.
   */
  readIndex (context: Uint8Array): void {
    if (this.role === 'leader') {
      this.leaderReadIndex(context, this.id)
    } else if (this.lead !== NONE && this.role === 'follower') {
      this.send({ type: 'read-index', to: this.lead, term: this.term, context })
    } else {
      throw new NotLeaderError(this.lead)
    }
  }

  /**
   * Hands leadership to voter `to`: replicate to it until it is up to date, then tell it to start an
   * election. Aborted if it has not happened within an election timeout. Proposals are dropped
   * meanwhile.
   */
  transferLeadership (to: NodeId): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.lead)
    if (to === this.id) return
    if (!isVoter(this.log.conf, to) || !this.prs.has(to)) throw new InvalidTransferError(`${to} is not a voter`)
    if (this.leadTransferee === to) return
    this.leadTransferee = to
    this.electionElapsed = 0
    const pr = this.prs.get(to) as Progress
    if (pr.match === this.log.lastIndex) this.send({ type: 'timeout-now', to, term: this.term })
    else this.sendAppend(to)
  }

  /** Starts an election now (as if the election timeout fired). No effect on a leader or a non-voter. */
  campaign (): void {
    if (this.role !== 'leader') this.hup()
  }

  /** Leader with `commitNotice: 'deferred'`: whether some follower has not been sent the current commit index. */
  commitNoticesPending (): boolean {
    return this.followersLackingCommit().length > 0
  }

  /**
   * Leader: sends the commit index (an append, without entries unless some are due) to every follower that has not
   * been sent it; the messages show up in the next Ready. No effect on other roles.
   */
  sendCommitNotices (): void {
    for (const id of this.followersLackingCommit()) this.sendAppend(id)
  }

  /** Whether `ready()` has work to hand out (always false while a Ready awaits `advance()`). */
  hasReady (): boolean {
    if (this.readyInProgress) return false
    this.flushBroadcast()
    this.flushProposerNotices()
    if (this.msgs.length > 0 || this.readStates.length > 0) return true
    if (this.log.pendingSnapshot !== undefined) return true
    if (this.log.stableIndex < this.log.lastIndex) return true
    if (this.log.committed > this.log.delivered) return true
    if (!hardStateEquals(this.hardState(), this.prevHardState)) return true
    const ss = this.softState()
    if (ss.role !== this.prevSoftState.role || ss.leader !== this.prevSoftState.leader) return true
    return this.wantsSnapshot(this.log.committed)
  }

  /**
   * Takes the pending work. Handle it following the driver contract, then call `advance(ready)`;
   * `ready()` may not be called again before that (RaftInvariantError).
   */
  ready (): Ready {
    if (this.readyInProgress) throw new RaftInvariantError('ready() called again before advance()')
    this.readyInProgress = true
    this.flushBroadcast()
    this.flushProposerNotices()
    const rd: Ready = {
      entries: this.log.unstableEntries(),
      committedEntries: this.log.undeliveredCommitted(),
      messages: this.msgs,
      readStates: this.readStates,
      sendBeforePersist: false
    }
    this.msgs = []
    this.outgoingProposals = undefined
    this.readStates = []
    const ss = this.softState()
    if (ss.role !== this.prevSoftState.role || ss.leader !== this.prevSoftState.leader) {
      rd.softState = ss
      this.prevSoftState = ss
    }
    const hs = this.hardState()
    const sameTermAndVote = hs.term === this.prevHardState.term && hs.vote === this.prevHardState.vote
    if (!hardStateEquals(hs, this.prevHardState)) {
      rd.hardState = hs
      this.prevHardState = hs
    }
    if (this.log.pendingSnapshot !== undefined) {
      rd.snapshot = this.log.pendingSnapshot
      this.log.pendingSnapshot = undefined
    }
    rd.sendBeforePersist = this.role === 'leader' && sameTermAndVote && rd.snapshot === undefined
    const appliedAfter = rd.committedEntries.length > 0
      ? (rd.committedEntries[rd.committedEntries.length - 1] as Entry).index
      : Math.max(this.log.delivered, rd.snapshot?.metadata.index ?? 0)
    this.log.delivered = Math.max(this.log.delivered, appliedAfter)
    if (this.wantsSnapshot(appliedAfter)) {
      rd.snapshotRequest = { index: appliedAfter }
      this.snapshotRequested = true
    }
    return rd
  }

  /** Acknowledges that `rd` was persisted, sent and applied. */
  advance (rd: Ready): void {
    this.readyInProgress = false
    const last = rd.entries[rd.entries.length - 1]
    if (last !== undefined) this.log.stableTo(last.index, last.term)
    let applied = this.log.applied
    if (rd.snapshot !== undefined) applied = Math.max(applied, rd.snapshot.metadata.index)
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1]
    if (lastCommitted !== undefined) applied = Math.max(applied, lastCommitted.index)
    this.log.applied = Math.min(applied, this.log.delivered)
  }

  /**
   * Takes a snapshot the application made of its state machine at applied index `index`, and drops
   * the log up to it. The core keeps the snapshot to send to followers that lag behind it.
   * The application persists the snapshot and may then delete stored entries up to `index`.
   * Returns undefined and does nothing when the log is already compacted at or past `index` (a
   * snapshot from the leader overtook the request). Throws CompactionError when `index` is beyond
   * the applied index.
   */
  compact (index: number, data: Uint8Array): Snapshot | undefined {
    if (index <= this.log.snapshotIndex) return undefined
    if (index > this.log.applied) {
      throw new CompactionError(`compact index ${index} is beyond the applied index ${this.log.applied}`)
    }
    this.snapshotRequested = false
    return this.log.compact(index, data)
  }

  /** Role, leader and membership without copying anything (for hot paths); `status()` for the full picture. */
  basicStatus (): BasicStatus {
    return { role: this.role, leader: this.lead, term: this.term, member: isMember(this.log.conf, this.id) }
  }

  status (): Status {
    const s: Status = {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.lead,
      commit: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex,
      snapshotIndex: this.log.snapshotIndex,
      conf: { voters: this.log.conf.voters.slice(), learners: this.log.conf.learners.slice() }
    }
    if (this.role === 'leader') {
      s.progress = {}
      for (const [id, pr] of this.prs) s.progress[id] = { match: pr.match, next: pr.next, state: pr.state, learner: pr.learner }
      if (this.leadTransferee !== NONE) s.leadTransferee = this.leadTransferee
    }
    return s
  }

  /** The term of the entry at `index`, when the core still holds it (tests and diagnostics). */
  termAt (index: number): number | undefined {
    return this.log.term(index)
  }

  /** Entries [lo, hi) the core still holds in memory, or undefined when `lo` is compacted away. */
  entries (lo: number, hi: number): Entry[] | undefined {
    return this.log.slice(lo, hi)
  }

  // ---------------------------------------------------------------- roles

  private reset (term: number): void {
    if (this.term !== term) {
      this.term = term
      this.vote = NONE
    }
    this.lead = NONE
    this.electionElapsed = 0
    this.heartbeatElapsed = 0
    this.randomizedElectionTimeout = this.random.int(this.electionTicks, 2 * this.electionTicks - 1)
    this.leadTransferee = NONE
    this.votes.clear()
    this.prs.clear()
    this.readOnly.clear()
    this.pendingReads = []
    this.broadcastPending = false
  }

  private becomeFollower (term: number, lead: NodeId): void {
    this.reset(term)
    this.lead = lead
    this.role = 'follower'
    this.stepRole = this.stepFollower
  }

  private becomePreCandidate (): void {
    // A pre-candidate keeps its term and vote; it only forgets the leader.
    this.votes.clear()
    this.lead = NONE
    this.electionElapsed = 0
    this.randomizedElectionTimeout = this.random.int(this.electionTicks, 2 * this.electionTicks - 1)
    this.role = 'pre-candidate'
    this.stepRole = this.stepCandidate
  }

  private becomeCandidate (): void {
    this.reset(this.term + 1)
    this.vote = this.id
    this.role = 'candidate'
    this.stepRole = this.stepCandidate
  }

  private becomeLeader (): void {
    this.reset(this.term)
    this.lead = this.id
    this.role = 'leader'
    this.stepRole = this.stepLeader
    this.syncProgress()
    const self = this.prs.get(this.id)
    if (self !== undefined) self.recentActive = true
    // Commit only counts entries of the current term, so start the term with one.
    this.appendEntry('normal', EMPTY)
  }

  /** Keeps the leader's progress map equal to the members of the latest configuration. */
  private syncProgress (): void {
    const conf = this.log.conf
    const removalPending = this.log.lastConfIndex > this.log.committed
    for (const [id, pr] of [...this.prs]) {
      if (isMember(conf, id) || id === this.id) continue
      // A removed node keeps receiving the log until its removal commits, so that it learns of it
      // and stops campaigning; it no longer counts for anything.
      if (removalPending) pr.learner = true
      else this.prs.delete(id)
    }
    for (const id of [...conf.voters, ...conf.learners]) {
      const learner = conf.learners.includes(id)
      const pr = this.prs.get(id)
      if (pr === undefined) {
        const p = new Progress(this.log.lastIndex + 1, this.maxInflightMsgs, learner)
        p.recentActive = true
        if (id === this.id) { p.match = this.log.lastIndex; p.becomeReplicate() }
        this.prs.set(id, p)
      } else {
        pr.learner = learner
      }
    }
    if (!this.prs.has(this.id)) {
      // A leader removing itself keeps tracking its own log until that change commits.
      const p = new Progress(this.log.lastIndex + 1, this.maxInflightMsgs, true)
      p.match = this.log.lastIndex
      this.prs.set(this.id, p)
    }
    if (this.leadTransferee !== NONE && !isVoter(conf, this.leadTransferee)) this.leadTransferee = NONE
  }

  private promotable (): boolean {
    return isVoter(this.log.conf, this.id)
  }

  private hup (transfer = false): void {
    if (!this.promotable()) return
    if (this.preVote && !transfer) this.runElection('pre-vote', false)
    else this.runElection('vote', transfer)
  }

  private runElection (kind: 'pre-vote' | 'vote', transfer: boolean): void {
    if (kind === 'pre-vote') this.becomePreCandidate()
    else this.becomeCandidate()
    const voteTerm = kind === 'pre-vote' ? this.term + 1 : this.term
    this.votes.set(this.id, true)
    const result = majorityVoteResult(this.log.conf.voters, this.votes)
    if (result === 'won') {
      if (kind === 'pre-vote') this.runElection('vote', false)
      else this.becomeLeader()
      return
    }
    for (const id of this.log.conf.voters) {
      if (id === this.id) continue
      this.send({ type: kind, to: id, term: voteTerm, index: this.log.lastIndex, logTerm: this.log.lastTerm, transfer })
    }
  }

  private handleVoteRequest (m: VoteMessage): void {
    const canVote = this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === 'pre-vote' && m.term > this.term)
    const responseType = m.type === 'vote' ? 'vote-response' : 'pre-vote-response'
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      this.send({ type: responseType, to: m.from, term: m.term, reject: false })
      if (m.type === 'vote') {
        this.electionElapsed = 0
        this.vote = m.from
      }
    } else {
      this.send({ type: responseType, to: m.from, term: this.term, reject: true })
    }
  }

  // ---------------------------------------------------------------- ticks

  private tickElection (): void {
    this.electionElapsed++
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0
      this.hup()
    }
  }

  private tickLeader (): void {
    this.heartbeatElapsed++
    this.electionElapsed++
    if (this.electionElapsed >= this.electionTicks) {
      this.electionElapsed = 0
      if (this.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, NONE)
        return
      }
      if (this.leadTransferee !== NONE) this.leadTransferee = NONE
      for (const pr of this.prs.values()) {
        // A snapshot not acknowledged within an election timeout is presumed lost: probe again.
        if (pr.state === 'snapshot') {
          if (pr.snapshotStale) pr.becomeProbe()
          else pr.snapshotStale = true
        }
      }
    }
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0
      this.bcastHeartbeat(this.readOnly.lastContext())
    }
  }

  private quorumActive (): boolean {
    const active = majorityActive(this.log.conf.voters, (id) => id === this.id || this.prs.get(id)?.recentActive === true)
    for (const [id, pr] of this.prs) if (id !== this.id) pr.recentActive = false
    return active
  }

  // ---------------------------------------------------------------- step functions

  private readonly stepFollower: StepFn = (m) => {
    switch (m.type) {
      case 'append':
        this.electionElapsed = 0
        this.lead = m.from
        this.handleAppend(m)
        break
      case 'heartbeat':
        this.electionElapsed = 0
        this.lead = m.from
        this.handleHeartbeat(m)
        break
      case 'snapshot':
        this.electionElapsed = 0
        this.lead = m.from
        this.handleSnapshot(m)
        break
      case 'timeout-now':
        this.hup(true)
        break
      case 'read-index-response':
        this.readStates.push({ index: m.index, context: m.context })
        break
      default:
        break
    }
  }

  private readonly stepCandidate: StepFn = (m) => {
    switch (m.type) {
      case 'append':
        this.becomeFollower(m.term, m.from)
        this.handleAppend(m)
        break
      case 'heartbeat':
        this.becomeFollower(m.term, m.from)
        this.handleHeartbeat(m)
        break
      case 'snapshot':
        this.becomeFollower(m.term, m.from)
        this.handleSnapshot(m)
        break
      case 'vote-response':
      case 'pre-vote-response': {
        const expected = this.role === 'pre-candidate' ? 'pre-vote-response' : 'vote-response'
        if (m.type !== expected) break
        this.votes.set(m.from, !m.reject)
        const result = majorityVoteResult(this.log.conf.voters, this.votes)
        if (result === 'won') {
          if (this.role === 'pre-candidate') this.runElection('vote', false)
          else this.becomeLeader()
        } else if (result === 'lost') {
          this.becomeFollower(this.term, NONE)
        }
        break
      }
      default:
        break
    }
  }

  private readonly stepLeader: StepFn = (m) => {
    switch (m.type) {
      case 'append-response':
        this.handleAppendResponse(m)
        break
      case 'heartbeat-response':
        this.handleHeartbeatResponse(m)
        break
      case 'read-index':
        this.leaderReadIndex(m.context, m.from)
        break
      case 'propose':
        this.handlePropose(m)
        break
      default:
        break
    }
  }

  // ---------------------------------------------------------------- follower side

  private handleAppend (m: AppendMessage): void {
    if (m.index < this.log.committed) {
      this.send({ type: 'append-response', to: m.from, term: this.term, index: this.log.committed, reject: false, rejectHint: 0, logTerm: 0 })
      return
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries)
    if (lastNew !== undefined) {
      this.send({ type: 'append-response', to: m.from, term: this.term, index: lastNew, reject: false, rejectHint: 0, logTerm: 0 })
      return
    }
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex), m.logTerm)
    this.send({ type: 'append-response', to: m.from, term: this.term, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term })
  }

  private handleHeartbeat (m: HeartbeatMessage): void {
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex))
    const resp: HeartbeatResponseMessage = { type: 'heartbeat-response', from: this.id, to: m.from, term: this.term }
    if (m.context !== undefined) resp.context = m.context
    this.msgs.push(resp)
  }

  private handleSnapshot (m: SnapshotMessage): void {
    const { index, term } = m.snapshot.metadata
    if (index <= this.log.committed) {
      this.send({ type: 'append-response', to: m.from, term: this.term, index: this.log.committed, reject: false, rejectHint: 0, logTerm: 0 })
      return
    }
    if (this.log.matchTerm(index, term)) {
      // Our log already holds the snapshot's last entry: just learn that it is committed.
      this.log.commitTo(index)
      this.send({ type: 'append-response', to: m.from, term: this.term, index: this.log.committed, reject: false, rejectHint: 0, logTerm: 0 })
      return
    }
    this.log.restore(m.snapshot)
    this.snapshotRequested = false
    this.send({ type: 'append-response', to: m.from, term: this.term, index: this.log.lastIndex, reject: false, rejectHint: 0, logTerm: 0 })
  }

  // ---------------------------------------------------------------- leader side

  private assertCanPropose (): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.lead)
    if (this.leadTransferee !== NONE) throw new ProposalDroppedError(`leadership transfer to ${this.leadTransferee} in progress`)
    if (!isVoter(this.log.conf, this.id)) throw new ProposalDroppedError('this leader is being removed from the cluster')
  }

  private appendEntry (type: Entry['type'], data: Uint8Array): ProposalPosition {
    return this.appendEntries(type, [data])
  }

  /** Appends entries of this term; returns the position of the last one. */
  private appendEntries (type: Entry['type'], data: Uint8Array[]): ProposalPosition {
    const first = this.log.lastIndex + 1
    const confBefore = this.log.conf
    this.log.append(data.map((d, i) => ({ term: this.term, index: first + i, type, data: d })))
    const index = this.log.lastIndex
    if (!confEquals(confBefore, this.log.conf)) this.syncProgress()
    const self = this.prs.get(this.id)
    if (self !== undefined) self.maybeUpdate(index)
    this.maybeCommit()
    this.broadcastPending = true
    return { index, term: this.term }
  }

  private handlePropose (m: ProposeMessage): void {
    const pr = this.prs.get(m.from)
    if (pr === undefined || m.data.length === 0) return
    if (m.epoch === pr.proposeEpoch && m.seq <= pr.proposeSeq) return
    try {
      this.assertCanPropose()
    } catch {
      return
    }
    pr.proposeEpoch = m.epoch
    pr.proposeSeq = m.seq
    pr.proposedUpTo = this.appendEntries('normal', m.data).index
  }

  private flushBroadcast (): void {
    if (this.broadcastPending && this.role === 'leader') {
      this.broadcastPending = false
      // Only to followers that have not been sent the new entries yet (a commit notice may have carried them).
      for (const id of this.prs.keys()) {
        if (id !== this.id) this.sendAppend(id, false)
      }
    }
  }

  private bcastAppend (): void {
    for (const id of this.prs.keys()) {
      if (id !== this.id) this.sendAppend(id)
    }
  }

  private bcastHeartbeat (context?: Uint8Array): void {
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue
      const hb: HeartbeatMessage = { type: 'heartbeat', from: this.id, to: id, term: this.term, commit: Math.min(pr.match, this.log.committed) }
      pr.sentCommit = Math.max(pr.sentCommit, hb.commit)
      if (context !== undefined) hb.context = context
      this.msgs.push(hb)
    }
  }

  /** Sends the next append (or a snapshot) to `to`; false when nothing was sent. */
  private sendAppend (to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.prs.get(to)
    if (pr === undefined || pr.isPaused()) return false
    const prevIndex = pr.next - 1
    const prevTerm = this.log.term(prevIndex)
    const entries = this.log.slice(pr.next, pr.next + this.maxEntriesPerMsg)
    if (prevTerm === undefined || entries === undefined) {
      const snapshot = this.log.snapshot
      this.send({ type: 'snapshot', to, term: this.term, snapshot })
      pr.becomeSnapshot(snapshot.metadata.index)
      return true
    }
    if (entries.length === 0 && !sendIfEmpty) return false
    this.send({ type: 'append', to, term: this.term, index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed })
    pr.sentCommit = Math.max(pr.sentCommit, this.log.committed)
    pr.sentEntries(entries.length, prevIndex + entries.length)
    return true
  }

  /** The follower may not know the commit index yet: no append carried it, and it holds entries it covers. */
  private lacksCommit (pr: Progress): boolean {
    return this.log.committed > pr.sentCommit && pr.sentCommit < pr.next - 1 && !pr.isPaused()
  }

  /** Leader: the followers that `lacksCommit`; none on other roles. */
  private followersLackingCommit (): NodeId[] {
    if (this.role !== 'leader') return []
    return [...this.prs].filter(([id, pr]) => id !== this.id && this.lacksCommit(pr)).map(([id]) => id)
  }

  /**
   * Deferred notices: a follower waiting to apply entries it proposed learns in the next Ready that they are committed
   * (after that Ready's broadcast of new entries, which usually carries the commit index to it already).
   */
  private flushProposerNotices (): void {
    if (!this.proposerNoticeDue) return
    this.proposerNoticeDue = false
    if (this.role !== 'leader') return
    for (const [id, pr] of this.prs) {
      if (id !== this.id && pr.proposedUpTo > pr.sentCommit && this.lacksCommit(pr)) this.sendAppend(id)
    }
  }

  private maybeCommit (): boolean {
    const mci = majorityCommitted(this.log.conf.voters, (id) => this.prs.get(id)?.match)
    // Only an entry of the current term is committed by counting replicas (Raft §5.4.2).
    if (Number.isFinite(mci) && mci > this.log.committed && this.log.term(mci) === this.term) {
      this.log.commitTo(mci)
      this.afterCommit()
      return true
    }
    return false
  }

  private afterCommit (): void {
    if (this.log.committed >= this.log.lastConfIndex && this.prs.size > this.log.conf.voters.length + this.log.conf.learners.length) {
      this.syncProgress()
    }
    if (this.pendingReads.length > 0 && this.log.term(this.log.committed) === this.term) {
      const reads = this.pendingReads
      this.pendingReads = []
      for (const r of reads) this.leaderReadIndex(r.context, r.from)
    }
    if (!isVoter(this.log.conf, this.id) && this.log.committed >= this.log.lastConfIndex) {
      // Our own removal is committed: stop leading.
      this.becomeFollower(this.term, NONE)
    }
  }

  private handleAppendResponse (m: AppendResponseMessage): void {
    const pr = this.prs.get(m.from)
    if (pr === undefined) return
    pr.recentActive = true
    if (m.reject) {
      let next = m.rejectHint
      if (m.logTerm > 0) next = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index
      if (pr.maybeDecrTo(m.index, next)) {
        if (pr.state === 'replicate') pr.becomeProbe()
        this.sendAppend(m.from)
      }
      return
    }
    if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === 'probe')) return
    if (pr.state === 'probe') {
      pr.becomeReplicate()
    } else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe()
      if (pr.match + 1 >= this.log.firstIndex) pr.becomeReplicate()
    } else if (pr.state === 'replicate') {
      pr.inflights.freeLE(m.index)
    }

    if (this.maybeCommit()) {
      if (this.role !== 'leader') return
      if (!this.deferCommitNotice) this.bcastAppend()
      else this.proposerNoticeDue = true
    } else if (!this.deferCommitNotice && this.lacksCommit(pr)) {
      this.sendAppend(m.from)
    }
    while (this.sendAppend(m.from, false)) { /* fill the inflight window */ }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex) {
      this.send({ type: 'timeout-now', to: m.from, term: this.term })
    }
  }

  private handleHeartbeatResponse (m: HeartbeatResponseMessage): void {
    const pr = this.prs.get(m.from)
    if (pr === undefined) return
    pr.recentActive = true
    pr.probeSent = false
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne()
    if (pr.match < this.log.lastIndex) this.sendAppend(m.from)
    if (m.context === undefined || pr.learner) return
    const acks = this.readOnly.ack(m.from, m.context)
    if (acks === undefined) return
    if (!majorityActive(this.log.conf.voters, (id) => acks.has(id))) return
    for (const req of this.readOnly.release(m.context)) this.answerRead(req.from, req.index, req.context)
  }

  private leaderReadIndex (context: Uint8Array, from: NodeId): void {
    if (this.log.term(this.log.committed) !== this.term) {
      // The commit index is only known to be current once an entry of this term is committed.
      this.pendingReads.push({ context, from })
      return
    }
    const index = this.log.committed
    const voters = this.log.conf.voters
    if (voters.length === 1 && voters[0] === this.id) {
      this.answerRead(from, index, context)
      return
    }
    if (this.readOnly.add(index, context, from, this.id)) this.bcastHeartbeat(context)
  }

  private answerRead (to: NodeId, index: number, context: Uint8Array): void {
    if (to === this.id) this.readStates.push({ index, context })
    else this.send({ type: 'read-index-response', to, term: this.term, index, context })
  }

  // ---------------------------------------------------------------- helpers

  private send (m: DistributiveOmit<Message, 'from'>): void {
    this.msgs.push({ ...m, from: this.id } as Message)
  }

  private hardState (): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed }
  }

  private softState (): SoftState {
    return { role: this.role, leader: this.lead }
  }

  private wantsSnapshot (appliedAfter: number): boolean {
    if (this.snapshotThreshold <= 0 || this.snapshotRequested) return false
    const since = appliedAfter - this.log.snapshotIndex
    if (since < this.snapshotThreshold) return false
    if (since >= this.snapshotThreshold * SNAPSHOT_ENTRIES_CAP_FACTOR) return true
    const snapshotBytes = this.log.snapshot.data.length * SNAPSHOT_LOG_GROWTH
    if (this.loggedSince !== this.log.snapshotIndex) {
      this.loggedSince = this.log.snapshotIndex
      this.loggedUpTo = this.log.snapshotIndex
      this.loggedBytes = 0
    }
    // Committed entries never change, so the sum only grows (one pass over the log per snapshot).
    while (this.loggedBytes < snapshotBytes && this.loggedUpTo < appliedAfter) {
      this.loggedUpTo++
      this.loggedBytes += this.log.entry(this.loggedUpTo)?.data.length ?? 0
    }
    return this.loggedBytes >= snapshotBytes
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

function hardStateEquals (a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit
}
