/**
 * `RaftService`: drives the pure Raft core (`core/`) on a libp2p node with durable storage, the
 * libp2p transport and the KV state machine. See index.ts for the contracts.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { serviceCapabilities } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { decodeConfChangeRecord, NotLeaderError, RaftCore } from '../core/index.js'
import { decodeKvCommand, encodeKvCommand, KvStateMachine } from '../kv/core/index.js'
import * as pb from '../pb/raft.js'
import { LevelRaftStorage } from '../storage/level.js'
import { MemoryRaftStorage } from '../storage/memory.js'
import { Libp2pRaftTransport } from '../transport/libp2p-transport.js'
import { breakersOf, PeerUnavailableError, requestPeer } from '../../util/peer-requests.js'
import { LatencyHistogram } from '../../util/pure/latency-histogram.js'
import { seededRandom } from '../../util/pure/random.js'
import { ChangeHistory } from './change-history.js'
import { RaftClientProtocol } from './client-protocol.js'
import { ForwardedProposals, readProposalTag } from './forwarded-proposals.js'
import {
  CAUGHT_UP_LAG, COMMIT_NOTICE_DELAY_MS, WATCH_HISTORY, DEFAULT_ELECTION_TICKS, DEFAULT_HEARTBEAT_TICKS, DEFAULT_LOCK_TTL_MS, DEFAULT_REQUEST_TIMEOUT_MS,
  CONNECTIVITY_INTERVAL_MS, DEFAULT_SNAPSHOT_THRESHOLD, DEFAULT_TICK_MS, FORMATION_INTERVAL_MS, FORMATION_LOCK_MS, PROMOTION_INTERVAL_MS
} from './constants.js'
import {
  ClientRequestTimeoutError, InvalidLockTokenError, InvalidMembershipRequestError, KeyNotFoundError, LockHeldError, NoQuorumError, RaftNotReadyError,
  RaftStoppedError, RevisionMismatchError
} from './errors.js'
import { decideFormation, learnerToPromote } from './formation.js'
import type { ClusterInfo } from './formation.js'
import type { ClientRequestBody, ClientResponseBody } from './client-protocol.js'
import type { Consistency, RaftComponents, RaftInit, RaftServiceStats, RaftStatusSection, ReadOptions, WriteOptions } from './types.js'
import type { ConfChange, Entry, HardState, Message, ReadState, Ready, RestoredState, Snapshot, SoftState } from '../core/index.js'
import type { KvCommand, KvEntry, KvEvent, KvListing, KvResult, LockHolder } from '../kv/core/index.js'
import type { PersistBatch, RaftStorage } from '../ports.js'
import type { Logger, PeerId, Startable } from '@libp2p/interface'

interface Pending {
  term: number
  /** performance.now() when proposed; the write fails requestTimeoutMs later (checked every EXPIRY_SWEEP_MS). */
  startedAt: number
  resolve: (result: KvResult) => void
  reject: (err: Error) => void
}

/** How often writes past their deadline are failed: one sweep instead of a timer per write. */
const EXPIRY_SWEEP_MS = 50
/** A leader with this many of its own writes in flight batches the messages of each event-loop turn. */
const BUSY_WRITES = 4
/** Upper bounds (seconds) of the commit latency histogram's buckets. */
const COMMIT_LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

const EMPTY = new Uint8Array(0)
const NOOP: KvCommand = { op: 'noop' }
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A lease granted by `acquireLock`. */
export interface LockLease {
  name: string
  owner: string
  token: number
  expiresAt: number
}

export class RaftService implements Startable {
  readonly [Symbol.toStringTag] = '@fedmesh/raft'
  readonly [serviceCapabilities]: string[] = ['@fedmesh/raft']

  readonly id: string
  readonly tickMs: number
  readonly electionTicks: number
  readonly heartbeatTicks: number
  readonly requestTimeoutMs: number
  readonly stats: RaftServiceStats = {
    proposals: 0, proposalsFailed: 0, forwarded: 0, elections: 0, leaderChanges: 0, snapshotsSent: 0, snapshotsTaken: 0, readyCycles: 0, persistMs: 0
  }

  readonly transport: Libp2pRaftTransport
  private readonly components: RaftComponents
  private readonly init: RaftInit
  private readonly log: Logger
  private readonly client: RaftClientProtocol
  private readonly isVerified: (peer: PeerId) => boolean
  private readonly maxVoters: number
  private readonly snapshotThreshold: number
  private storage: RaftStorage | undefined
  private core: RaftCore | undefined
  private sm = new KvStateMachine()
  private readonly pending = new Map<number, Pending>()
  /** Follower: writes handed to the leader, answered when this node applies them. */
  private readonly forwarded = new ForwardedProposals(randomBytes(8), {
    applied: (ms) => { this.commitLatency.observe(ms / 1000) },
    failed: () => { this.stats.proposalsFailed++ }
  })
  private readonly reads = new Map<string, (index: number) => void>()
  /** Requests in flight to the leader, by the peer they went to. */
  private readonly forwards = new Map<AbortController, string>()
  private appliedWaiters: Array<{ index: number, resolve: () => void }> = []
  private readonly watchers = new Set<(event: KvEvent) => void>()
  private readonly history: ChangeHistory
  private readonly timers: Array<ReturnType<typeof setInterval>> = []
  private pumping = false
  private commitNoticeTimer: ReturnType<typeof setTimeout> | undefined
  private proposalsTurn: ReturnType<typeof setImmediate> | undefined
  private pumpDone: Promise<void> = Promise.resolve()
  private started = false
  private soft: SoftState = { role: 'follower', leader: '' }
  private proposal: string[] = []
  /** The initial voter set this node locked during formation, and when. */
  private locked: string[] = []
  private lockedAt = 0
  private lastJoinAt = 0
  private formationBusy = false
  private readCounter = 0
  private persistedTerm = -1
  /** A conf change removed this node: it must not rejoin on its own. */
  private removed = false
  /** Nodes whose last applied conf change removed them: their JOIN requests are refused. */
  private readonly removedMembers = new Set<string>()
  private wasMember = false
  /** Listen addresses of members, remembered while they were connected. */
  private readonly memberAddrs = new Map<string, string[]>()
  private persistedVote = ''
  /** The latest hard state when only its commit index is not yet on disk. */
  private unsavedHardState: HardState | undefined
  /**
   * Time from proposal to applied, in seconds, of this node's writes (forwarded ones included): a plain bucket table
   * on the write path, read when scraped (the node exposes it as `fedmesh_raft_commit_latency_seconds`).
   */
  readonly commitLatency = new LatencyHistogram(COMMIT_LATENCY_BUCKETS)

  constructor (components: RaftComponents, init: RaftInit = {}) {
    this.components = components
    this.init = init
    this.id = components.peerId.toString()
    this.log = components.logger.forComponent('fedmesh:raft')
    this.isVerified = init.isVerified ?? (() => true)
    this.tickMs = init.tickMs ?? DEFAULT_TICK_MS
    this.electionTicks = init.electionTicks ?? DEFAULT_ELECTION_TICKS
    this.heartbeatTicks = init.heartbeatTicks ?? DEFAULT_HEARTBEAT_TICKS
    this.requestTimeoutMs = init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    this.snapshotThreshold = init.snapshotThreshold ?? DEFAULT_SNAPSHOT_THRESHOLD
    this.history = new ChangeHistory(init.watchHistory ?? WATCH_HISTORY)
    this.maxVoters = init.maxVoters ?? 5
    this.transport = new Libp2pRaftTransport(components, {
      isVerified: this.isVerified,
      onSnapshotSent: (_to, ok) => { if (ok) this.stats.snapshotsSent++ }
    })
    this.transport.onMessage((m) => { this.onMessage(m) })
    this.client = new RaftClientProtocol(components, { isVerified: this.isVerified, handler: async (req, from) => this.serve(req, from) })
    this.registerMetrics()
  }

  isStarted (): boolean {
    return this.started
  }

  async start (): Promise<void> {
    if (this.started) return
    const storage = this.init.storage ?? (this.init.dataDir !== undefined
      ? new LevelRaftStorage({ location: join(this.init.dataDir, 'raft'), sync: this.init.syncWrites ?? true })
      : new MemoryRaftStorage())
    this.storage = storage
    const restored = await storage.load()
    if (restored.hardState.term > 0 || restored.snapshot !== undefined || restored.entries.length > 0) {
      if (restored.snapshot !== undefined) this.sm = KvStateMachine.restore(restored.snapshot.data)
      this.history.resetTo(this.sm.revision)
      this.core = this.newCore(undefined, restored)
      this.persistedTerm = restored.hardState.term
      this.persistedVote = restored.hardState.vote
      const lastConf = [...restored.entries].reverse().find(e => e.type === 'conf-change')
      if (lastConf !== undefined) this.noteConfChange(lastConf)
      // Durable state of a cluster that no longer lists this node: it was removed (even when the removal is
      // folded into a snapshot), and must not rejoin on its own.
      if (this.core.status().conf.voters.length > 0 && !this.isMember()) this.removed = true
      this.log('restored term %d, %d entries after snapshot %d', restored.hardState.term, restored.entries.length, restored.snapshot?.metadata.index ?? 0)
    }
    this.started = true
    await this.transport.start()
    await this.client.start()
    this.every(this.tickMs, () => { this.tick() })
    this.every(EXPIRY_SWEEP_MS, () => { this.expireWrites() })
    this.every(FORMATION_INTERVAL_MS, () => { void this.formationRound() })
    this.every(PROMOTION_INTERVAL_MS, () => { this.promotionRound() })
    this.every(CONNECTIVITY_INTERVAL_MS, () => { void this.connectivityRound() })
    this.schedule()
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    for (const t of this.timers) clearInterval(t)
    this.timers.length = 0
    if (this.commitNoticeTimer !== undefined) clearTimeout(this.commitNoticeTimer)
    this.commitNoticeTimer = undefined
    if (this.proposalsTurn !== undefined) clearImmediate(this.proposalsTurn)
    this.proposalsTurn = undefined
    const stopped = new RaftStoppedError('the Raft service stopped')
    for (const p of this.pending.values()) p.reject(stopped)
    this.pending.clear()
    this.forwarded.failUnlessLeader(undefined, () => stopped)
    await this.pumpDone
    if (this.unsavedHardState !== undefined) {
      await this.storage?.persist({ hardState: this.unsavedHardState, sync: false })
        .catch((err: unknown) => { this.log.error('saving the commit index on stop failed - %e', err) })
      this.unsavedHardState = undefined
    }
    await this.client.stop()
    await this.transport.stop()
    await this.storage?.close()
  }

  // ------------------------------------------------------------------ public API

  /** True once this node is a voter or learner of a cluster. */
  isMember (): boolean {
    return this.core?.basicStatus().member ?? false
  }

  /** The leader this node knows, or undefined. */
  leader (): string | undefined {
    const l = this.core?.basicStatus().leader
    return l === undefined || l === '' ? undefined : l
  }

  /** Proposes a KV command; resolves with its result once committed and applied (forwarded to the leader from a follower). */
  async propose (cmd: KvCommand, options: WriteOptions = {}): Promise<KvResult> {
    const data = encodeKvCommand(cmd)
    return await this.proposeBytes(data, options)
  }

  async put (key: string, value: Uint8Array, options: WriteOptions & { ifRevision?: number } = {}): Promise<number> {
    const cmd: KvCommand = options.ifRevision === undefined ? { op: 'put', key, value } : { op: 'put', key, value, ifRevision: options.ifRevision }
    return expectRevision(await this.propose(cmd, options), key)
  }

  async delete (key: string, options: WriteOptions & { ifRevision?: number } = {}): Promise<number> {
    const cmd: KvCommand = options.ifRevision === undefined ? { op: 'delete', key } : { op: 'delete', key, ifRevision: options.ifRevision }
    return expectRevision(await this.propose(cmd, options), key)
  }

  async get (key: string, options: ReadOptions = {}): Promise<KvEntry | undefined> {
    await this.readBarrier(options.consistency ?? 'linearizable', options)
    return this.sm.get(key)
  }

  async list (prefix = '', options: ReadOptions = {}): Promise<KvListing[]> {
    await this.readBarrier(options.consistency ?? 'linearizable', options)
    return this.sm.list(prefix)
  }

  async acquireLock (name: string, options: WriteOptions & { ttlMs?: number, owner?: string } = {}): Promise<LockLease> {
    const owner = options.owner ?? randomBytes(8).toString('hex')
    const ttlMs = options.ttlMs ?? DEFAULT_LOCK_TTL_MS
    const result = await this.propose({ op: 'lock-acquire', name, owner, ttlMs, now: Date.now() }, options)
    if (!result.ok) {
      if (result.error === 'LockHeld') throw new LockHeldError(name, result.holder?.expiresAt ?? 0)
      throw new InvalidLockTokenError(`lock ${name}: ${result.error}`)
    }
    const lock = result.lock as LockHolder
    return { name, owner: lock.owner, token: lock.token, expiresAt: lock.expiresAt }
  }

  async releaseLock (name: string, token: number, options: WriteOptions = {}): Promise<number> {
    const result = await this.propose({ op: 'lock-release', name, token }, options)
    if (!result.ok) {
      if (result.error === 'NotFound') throw new KeyNotFoundError(`lock ${name} is not held`)
      throw new InvalidLockTokenError(`token ${token} is not the current token of lock ${name}`)
    }
    return result.revision
  }

  /**
   * Calls `listener` for every change applied on this node from now on; returns the unsubscribe function.
   * With `afterRevision`, first replays (synchronously, before any newer event) the retained changes with a greater
   * revision; throws WatchCompactedError when some of them are no longer retained (the latest changes, up to `WATCH_HISTORY`,
   * are since this node last restored a snapshot).
   */
  watch (listener: (event: KvEvent) => void, options: { afterRevision?: number } = {}): () => void {
    const after = options.afterRevision
    if (after !== undefined && after < this.sm.revision) {
      this.history.replayAfter(after, listener)
    }
    this.watchers.add(listener)
    return () => { this.watchers.delete(listener) }
  }

  /** Removes a member (voter or learner) through the leader. */
  async removeMember (peer: string, options: WriteOptions = {}): Promise<void> {
    await this.leaderRequest({ op: pb.ClientOp.REMOVE, command: EMPTY, peer }, options)
  }

  /** Hands leadership to voter `peer` through the current leader; resolves once `peer` leads (or the timeout). */
  async transferLeadership (peer: string, options: WriteOptions = {}): Promise<void> {
    await this.leaderRequest({ op: pb.ClientOp.TRANSFER, command: EMPTY, peer }, options)
    const deadline = Date.now() + this.requestTimeoutMs
    while (Date.now() < deadline) {
      if (this.leader() === peer) return
      await sleep(this.tickMs)
    }
    throw new NoQuorumError(`leadership did not move to ${peer} within ${this.requestTimeoutMs} ms`)
  }

  /** The `raft` status section; null until this node is in a cluster. */
  status (): RaftStatusSection | null {
    const core = this.core
    if (core === undefined) return null
    const s = core.status()
    if (s.conf.voters.length === 0) return null
    const learner = s.conf.learners.includes(this.id)
    const role = learner ? 'learner' : s.role === 'pre-candidate' ? 'candidate' : s.role
    const out: RaftStatusSection = {
      role,
      member: s.conf.voters.includes(this.id) || learner,
      term: s.term,
      leader: s.leader === '' ? null : s.leader,
      commitIndex: s.commit,
      appliedIndex: s.applied,
      voters: s.conf.voters.slice().sort(),
      learners: s.conf.learners.slice().sort(),
      lastIndex: s.lastIndex,
      snapshotIndex: s.snapshotIndex,
      revision: this.sm.revision
    }
    if (s.progress !== undefined) {
      out.followers = Object.entries(s.progress)
        .filter(([id]) => id !== this.id)
        .map(([peerId, p]) => ({ peerId, matchIndex: p.match, lag: Math.max(0, s.lastIndex - p.match), state: p.state, learner: p.learner }))
        .sort((a, b) => a.peerId < b.peerId ? -1 : 1)
    }
    return out
  }

  // ------------------------------------------------------------------ driver

  private newCore (peers?: string[], restored?: RestoredState): RaftCore {
    const seed = randomBytes(4).readUInt32LE(0)
    const config = {
      id: this.id,
      peers: peers ?? [],
      electionTicks: this.electionTicks,
      heartbeatTicks: this.heartbeatTicks,
      random: seededRandom(seed),
      preVote: true,
      checkQuorum: true,
      snapshotThreshold: this.snapshotThreshold,
      commitNotice: 'deferred' as const
    }
    return restored === undefined ? new RaftCore(config) : new RaftCore(config, restored)
  }

  private every (ms: number, fn: () => void): void {
    const t = setInterval(fn, ms)
    t.unref?.()
    this.timers.push(t)
  }

  private tick (): void {
    if (this.core === undefined) return
    this.core.tick()
    this.schedule()
  }

  private onMessage (m: Message): void {
    if (!this.started) return
    if (this.core === undefined) {
      // A cluster reached out (we were added, or we are an initial voter that has not bootstrapped yet).
      if (m.type !== 'append' && m.type !== 'heartbeat' && m.type !== 'snapshot' && m.type !== 'vote' && m.type !== 'pre-vote') return
      this.core = this.newCore()
      this.log('joining through a message from %s', m.from)
    }
    this.core.step(m)
    // A busy leader handles what one event-loop turn brought (writes of followers and clients, acknowledgements) in
    // one Ready: its new entries and commit index then leave in one append per follower. An idle one answers at once.
    if (m.type === 'propose' || (this.pending.size >= BUSY_WRITES && this.core.basicStatus().role === 'leader')) this.scheduleProposals()
    else this.schedule()
  }

  /**
   * Proposals wait for the end of this event-loop turn, so that the writes of all requests read in one turn go out
   * in one Ready (one append or propose message per peer, one disk write) rather than one each.
   */
  private scheduleProposals (): void {
    if (this.proposalsTurn !== undefined) return
    this.proposalsTurn = setImmediate(() => {
      this.proposalsTurn = undefined
      this.schedule()
    })
  }

  private schedule (): void {
    if (this.pumping || !this.started) return
    this.pumping = true
    this.pumpDone = new Promise<void>((resolve) => {
      const run = (): void => {
        this.pump()
          .catch((err: unknown) => { this.log.error('the Raft driver failed - %e', err) })
          .finally(() => {
            this.pumping = false
            resolve()
            // A message stepped while the last round was winding down must not wait for the next tick.
            if (this.started && this.core?.hasReady() === true) this.schedule()
          })
      }
      queueMicrotask(run)
    })
  }

  /** The driver contract of core/index.ts: persist → send → apply → advance (→ compact). */
  private async pump (): Promise<void> {
    const core = this.core
    const storage = this.storage
    if (core === undefined || storage === undefined) return
    while (this.started && core.hasReady()) {
      const rd = core.ready()
      this.stats.readyCycles++
      // A leader's messages go out at once, while it writes (Raft thesis §10.2.1), unless they carry no entries
      // and this Ready completes writes: then the waiting clients are answered first.
      const answerFirst = rd.sendBeforePersist && rd.committedEntries.length > 0 && !rd.messages.some(m => m.type === 'append' && m.entries.length > 0)
      if (rd.sendBeforePersist && !answerFirst) this.transport.send(rd.messages)
      const hs = rd.hardState ?? this.unsavedHardState
      if (rd.snapshot === undefined && rd.entries.length === 0 && hs !== undefined && hs.term === this.persistedTerm && hs.vote === this.persistedVote) {
        // Only the commit index moved: it is volatile in Raft, so it waits for the next write (or stop) instead
        // of delaying this Ready's apply.
        this.unsavedHardState = hs
      } else if (rd.snapshot !== undefined || rd.entries.length > 0 || hs !== undefined) {
        const batch: PersistBatch = {}
        if (rd.snapshot !== undefined) batch.snapshot = rd.snapshot
        if (rd.entries.length > 0) batch.entries = rd.entries
        if (hs !== undefined) batch.hardState = hs
        this.unsavedHardState = undefined
        if (hs !== undefined) { this.persistedTerm = hs.term; this.persistedVote = hs.vote }
        const t0 = performance.now()
        await storage.persist(batch)
        this.stats.persistMs += performance.now() - t0
      }
      if (!this.started) return
      if (!rd.sendBeforePersist) this.transport.send(rd.messages)
      if (rd.softState !== undefined) this.onSoftState(rd.softState)
      if (rd.snapshot !== undefined) this.restoreSnapshot(rd.snapshot)
      for (const e of rd.committedEntries) this.applyEntry(e)
      for (const rs of rd.readStates) this.onReadState(rs)
      if (answerFirst) {
        const messages = rd.messages
        setImmediate(() => { this.transport.send(messages) })
      }
      core.advance(rd)
      this.releaseAppliedWaiters()
      this.noteMembership()
      if (rd.snapshotRequest !== undefined) await this.takeSnapshot(core, storage, rd)
    }
    this.scheduleCommitNotices(core)
  }

  /**
   * The core defers commit notices (they usually ride on the next append): followers that still lack the commit
   * index after COMMIT_NOTICE_DELAY_MS get it on its own, so their reads and watches do not wait for a heartbeat.
   */
  private scheduleCommitNotices (core: RaftCore): void {
    if (this.commitNoticeTimer !== undefined || !this.started || !core.commitNoticesPending()) return
    this.commitNoticeTimer = setTimeout(() => {
      this.commitNoticeTimer = undefined
      if (!this.started || this.core !== core) return
      core.sendCommitNotices()
      this.schedule()
    }, COMMIT_NOTICE_DELAY_MS)
  }

  private async takeSnapshot (core: RaftCore, storage: RaftStorage, rd: Ready): Promise<void> {
    const index = rd.snapshotRequest?.index ?? 0
    if (this.sm.appliedIndex !== index) return
    const snap = core.compact(index, this.sm.snapshot())
    if (snap === undefined) return
    await storage.persist({ compactedTo: snap })
    this.stats.snapshotsTaken++
    this.log('snapshot at %d (%d bytes)', index, snap.data.length)
  }

  private onSoftState (ss: SoftState): void {
    if (ss.role === 'candidate' || ss.role === 'pre-candidate') {
      if (this.soft.role !== 'candidate' && this.soft.role !== 'pre-candidate') this.stats.elections++
    }
    if (ss.leader !== this.soft.leader && ss.leader !== '') {
      this.stats.leaderChanges++
      this.log('leader is now %s (term %d)', ss.leader, this.core?.status().term)
    }
    // Requests forwarded to a former leader fail now rather than at their timeout.
    for (const [controller, target] of this.forwards) if (target !== ss.leader) controller.abort()
    if (ss.leader !== this.soft.leader) {
      this.forwarded.failUnlessLeader(ss.leader === '' ? undefined : ss.leader, () => new NoQuorumError('the leader changed while it had the write; the outcome is unknown, retry'))
    }
    this.soft = ss
  }

  private restoreSnapshot (snap: Snapshot): void {
    this.sm.restore(snap.data)
    this.history.resetTo(this.sm.revision)
    // Proposals the snapshot covers: their outcome is in the snapshot but not their result.
    for (const [index, p] of this.pending) {
      if (index <= snap.metadata.index) {
        this.pending.delete(index)
        p.reject(new NoQuorumError('the outcome of this write is unknown (a snapshot replaced the log); read to check'))
      }
    }
    this.forwarded.failUnlessLeader(undefined, () => new NoQuorumError('the outcome of this write is unknown (a snapshot replaced the log); read to check'))
  }

  private applyEntry (e: Entry): void {
    if (e.type === 'conf-change') this.noteConfChange(e)
    if (e.index <= this.sm.appliedIndex) return
    let cmd: KvCommand = NOOP
    const tag = e.type === 'normal' ? readProposalTag(e.data) : undefined
    if (e.type === 'normal' && e.data.length > 0) {
      try {
        // Entries are never modified, so the command may keep views into them.
        cmd = decodeKvCommand(tag?.command ?? e.data, { views: true })
      } catch (err) {
        this.log.error('entry %d is not a KV command; applied as a no-op - %e', e.index, err)
      }
    }
    const result = this.sm.apply(e.index, cmd)
    if (result.ok) for (const ev of result.events) this.emit(ev)
    if (tag !== undefined) this.forwarded.settle(tag, result)
    const p = this.pending.get(e.index)
    if (p === undefined) return
    this.pending.delete(e.index)
    if (p.term === e.term) {
      this.commitLatency.observe((performance.now() - p.startedAt) / 1000)
      p.resolve(result)
    } else {
      this.stats.proposalsFailed++
      p.reject(new NoQuorumError('the write was lost in a leader change; retry'))
    }
  }

  /** A member whose configuration (in force as soon as it is in the log) no longer lists it was removed. */
  private noteMembership (): void {
    const member = this.isMember()
    if (member) {
      this.wasMember = true
      this.removed = false
    } else if (this.wasMember && !this.removed) {
      this.removed = true
      this.log('this node is no longer a member of the cluster')
    }
  }

  private noteConfChange (e: Entry): void {
    try {
      const change = decodeConfChangeRecord(e.data).change
      if (change === undefined) return
      if (change.type === 'remove') this.removedMembers.add(change.node)
      else this.removedMembers.delete(change.node)
      if (change.node !== this.id) return
      // An older entry that added this node must not undo a removal already in force (the configuration takes
      // effect when it is in the log, before it is applied).
      if (change.type === 'remove') this.removed = true
      else if (this.isMember()) this.removed = false
      if (this.removed) this.log('this node was removed from the cluster at index %d', e.index)
    } catch (err) {
      this.log.error('conf-change entry %d is malformed - %e', e.index, err)
    }
  }

  private emit (event: KvEvent): void {
    this.history.record(event)
    for (const w of this.watchers) {
      try { w(event) } catch (err) { this.log.error('a watcher threw - %e', err) }
    }
  }

  private onReadState (rs: ReadState): void {
    const key = Buffer.from(rs.context).toString('hex')
    const resolve = this.reads.get(key)
    if (resolve === undefined) return
    this.reads.delete(key)
    resolve(rs.index)
  }

  private releaseAppliedWaiters (): void {
    if (this.appliedWaiters.length === 0) return
    const applied = this.sm.appliedIndex
    const still: typeof this.appliedWaiters = []
    for (const w of this.appliedWaiters) {
      if (w.index <= applied) w.resolve()
      else still.push(w)
    }
    this.appliedWaiters = still
  }

  // ------------------------------------------------------------------ proposals and reads

  private requireCore (): RaftCore {
    if (!this.started) throw new RaftStoppedError('the Raft service is stopped')
    if (this.core === undefined || !this.isMember()) throw new RaftNotReadyError('this node is not in a Raft cluster yet')
    return this.core
  }

  private async proposeBytes (data: Uint8Array, options: WriteOptions): Promise<KvResult> {
    const core = this.requireCore()
    this.stats.proposals++
    const { role, leader } = core.basicStatus()
    if (role === 'leader') return await this.proposeLocal(data)
    if (leader === '') throw new NoQuorumError('no leader is known (no quorum?)')
    const { seq, data: tagged } = this.forwarded.tag(data)
    // Through the leader's circuit breaker: a leader that keeps failing is not waited for again and again.
    try {
      return await requestPeer(breakersOf(this.components), leader, async () => {
        try {
          core.proposeViaLeader(tagged)
        } catch (err) {
          throw translate(err)
        }
        this.stats.forwarded++
        this.scheduleProposals()
        return await this.forwarded.wait(seq, leader, this.requestTimeoutMs, options.signal)
      })
    } catch (err) {
      throw err instanceof PeerUnavailableError ? leaderUnavailable(err) : err
    }
  }

  /** Leader only: appends and waits for the entry to be applied. */
  private async proposeLocal (data: Uint8Array, change?: ConfChange): Promise<KvResult> {
    const core = this.requireCore()
    let pos
    try {
      pos = change === undefined ? core.propose(data) : core.proposeConfChange(change)
    } catch (err) {
      throw translate(err)
    }
    this.scheduleProposals()
    return await new Promise<KvResult>((resolve, reject) => {
      // An earlier proposal at this index (of an earlier term of this leader) was overwritten by another leader's entry.
      this.pending.get(pos.index)?.reject(new NoQuorumError('the write was lost in a leader change; retry'))
      this.pending.set(pos.index, { term: pos.term, startedAt: performance.now(), resolve, reject })
    })
  }

  /** Fails the writes past their deadline (this node's own and those it handed to the leader). */
  private expireWrites (): void {
    const now = performance.now()
    for (const [index, p] of this.pending) {
      if (p.startedAt + this.requestTimeoutMs > now) continue
      this.pending.delete(index)
      this.stats.proposalsFailed++
      p.reject(new NoQuorumError(`not committed within ${this.requestTimeoutMs} ms (no quorum?); the outcome is unknown`))
    }
    this.forwarded.expire(now)
  }

  /** Sends a request to the leader (handling it here when this node leads). */
  private async leaderRequest (body: ClientRequestBody, options: WriteOptions): Promise<pb.ClientResponse> {
    this.requireCore()
    const deadline = Date.now() + this.requestTimeoutMs
    let target = this.leader()
    for (let hop = 0; hop < 3; hop++) {
      if (target === undefined) throw new NoQuorumError('no leader is known (no quorum?)')
      let response: pb.ClientResponse
      if (target === this.id) {
        response = { id: 0n, ...(await this.serve(body, this.id)) }
      } else {
        this.stats.forwarded++
        const leaderChanged = new AbortController()
        this.forwards.set(leaderChanged, target)
        const to = target
        try {
          // Through the leader's circuit breaker: a leader that keeps failing is not waited for again and again.
          response = await requestPeer(breakersOf(this.components), to, async () =>
            await this.client.request(to, body, { signal: anySignal(options.signal, leaderChanged.signal), timeoutMs: Math.max(1, deadline - Date.now()) }))
        } catch (err) {
          if (err instanceof PeerUnavailableError) throw leaderUnavailable(err)
          if (leaderChanged.signal.aborted) throw new NoQuorumError(`the leader changed while the request was with ${target}; the outcome is unknown, retry`)
          if (err instanceof ClientRequestTimeoutError || options.signal?.aborted === true) throw new NoQuorumError(`the leader did not answer within ${this.requestTimeoutMs} ms`)
          throw new NoQuorumError(`forwarding to the leader failed: ${(err as Error).message}`)
        } finally {
          this.forwards.delete(leaderChanged)
        }
      }
      if (response.error === '') return response
      if (response.error === 'NotLeaderError') {
        target = response.leader !== '' ? response.leader : undefined
        continue
      }
      throw errorFromResponse(response)
    }
    throw new NoQuorumError('the leader moved while forwarding; retry')
  }

  /** Answers a client-protocol request (from a peer, or from this node for itself). */
  private async serve (req: ClientRequestBody, from: string): Promise<ClientResponseBody> {
    const ok = (result: Uint8Array = EMPTY): ClientResponseBody => ({ error: '', message: '', leader: this.leader() ?? '', result: result as Uint8Array<ArrayBuffer> })
    if (req.op === pb.ClientOp.INFO) {
      const s = this.core?.status()
      const info: Omit<ClusterInfo, 'peer'> & { addresses: Record<string, string[]> } = {
        voters: s?.conf.voters ?? [], learners: s?.conf.learners ?? [], leader: s?.leader ?? '', proposal: this.proposal, locked: this.locked, addresses: await this.memberAddresses()
      }
      const own = this.ownAddresses()
      if (own.length > 0) info.addresses[this.id] = own
      return ok(encoder.encode(JSON.stringify(info)))
    }
    const core = this.core
    if (core === undefined || core.basicStatus().role !== 'leader') {
      return { error: 'NotLeaderError', message: 'not the leader', leader: this.leader() ?? '', result: EMPTY }
    }
    switch (req.op) {
      case pb.ClientOp.JOIN: {
        const conf = core.status().conf
        if (conf.voters.includes(from) || conf.learners.includes(from)) return ok()
        if (this.removedMembers.has(from)) throw new InvalidMembershipRequestError(`${from} was removed from the cluster; it does not rejoin on its own`)
        await this.proposeLocal(EMPTY, { type: 'add-learner', node: from })
        this.log('added %s as a learner', from)
        return ok()
      }
      case pb.ClientOp.REMOVE: {
        const conf = core.status().conf
        if (!conf.voters.includes(req.peer) && !conf.learners.includes(req.peer)) throw new InvalidMembershipRequestError(`${req.peer} is not a member`)
        if (req.peer === this.id && conf.voters.length > 1) {
          // Leaving leader: hand over first, the new leader removes us.
          const target = conf.voters.find(v => v !== this.id) as string
          core.transferLeadership(target)
          this.schedule()
          throw new NotLeaderError(target, 'this node is the leader; leadership is being transferred first, retry')
        }
        await this.proposeLocal(EMPTY, { type: 'remove', node: req.peer })
        return ok()
      }
      case pb.ClientOp.TRANSFER: {
        try {
          core.transferLeadership(req.peer)
        } catch (err) {
          throw translate(err)
        }
        this.schedule()
        return ok()
      }
      default:
        throw new InvalidMembershipRequestError('unknown request')
    }
  }

  private async readBarrier (consistency: Consistency, options: ReadOptions): Promise<void> {
    const core = this.requireCore()
    if (consistency === 'serializable') return
    const context = new Uint8Array(12)
    context.set(randomBytes(8))
    new DataView(context.buffer).setUint32(8, this.readCounter++ >>> 0)
    const key = Buffer.from(context).toString('hex')
    const deadline = Date.now() + this.requestTimeoutMs
    const index = await bounded<number>(this.requestTimeoutMs, options.signal, () => new NoQuorumError(`no read index within ${this.requestTimeoutMs} ms (no quorum?)`), (resolve, reject) => {
      this.reads.set(key, resolve)
      try {
        core.readIndex(context)
      } catch (err) {
        this.reads.delete(key)
        reject(translate(err))
        return () => {}
      }
      this.schedule()
      return () => { this.reads.delete(key) }
    })
    if (this.sm.appliedIndex >= index) return
    await bounded<void>(Math.max(1, deadline - Date.now()), options.signal, () => new NoQuorumError('this node did not catch up in time'), (resolve) => {
      const waiter = { index, resolve }
      this.appliedWaiters.push(waiter)
      return () => { this.appliedWaiters = this.appliedWaiters.filter(w => w !== waiter) }
    })
  }

  // ------------------------------------------------------------------ formation and membership

  private verifiedPeers (): string[] {
    const out = new Set<string>()
    for (const c of this.components.connectionManager.getConnections()) {
      if (c.status === 'open' && this.isVerified(c.remotePeer)) out.add(c.remotePeer.toString())
    }
    return [...out]
  }

  /** Connected verified peers plus verified peers known from discovery. */
  private candidatePeers (): string[] {
    const out = new Set(this.verifiedPeers())
    for (const peer of this.init.knownPeers?.() ?? []) {
      if (peer === this.id || out.has(peer)) continue
      try {
        if (this.isVerified(peerIdFromString(peer))) out.add(peer)
      } catch { /* not a peer id */ }
    }
    return [...out]
  }

  private async formationRound (): Promise<void> {
    if (!this.started || this.formationBusy || this.removed || this.isMember()) return
    this.formationBusy = true
    try {
      const peers = this.candidatePeers()
      const answers = await Promise.all(peers.map(async (peer) => {
        try {
          const r = await this.client.request(peer, { op: pb.ClientOp.INFO, command: EMPTY, peer: '' }, { signal: AbortSignal.timeout(1_000) })
          return { peer, ...(JSON.parse(decoder.decode(r.result)) as Omit<ClusterInfo, 'peer'>) }
        } catch {
          return undefined
        }
      }))
      if (!this.started || this.isMember()) return
      const infos = answers.filter((a): a is ClusterInfo => a !== undefined)
      if (this.locked.length > 0 && Date.now() - this.lockedAt > FORMATION_LOCK_MS) {
        this.log('the initial voter set %s was not bootstrapped within %d ms; unlocking it', this.locked.join(', '), FORMATION_LOCK_MS)
        this.locked = []
      }
      const decision = decideFormation(this.id, this.init.expect, infos, this.locked)
      if (decision.action === 'wait') {
        if (decision.unlock === true) {
          this.log('another member left the initial voter set %s; unlocking it', this.locked.join(', '))
          this.locked = []
        }
        this.proposal = this.core === undefined ? decision.proposal : []
      } else if (decision.action === 'lock') {
        this.proposal = decision.voters
        this.locked = decision.voters
        this.lockedAt = Date.now()
      } else if (decision.action === 'bootstrap') {
        if (this.core !== undefined) return
        this.proposal = decision.voters
        this.core = this.newCore(decision.voters)
        this.log('bootstrapping a cluster with voters %s', decision.voters.join(', '))
        this.schedule()
      } else if (Date.now() - this.lastJoinAt > 1_000) {
        this.lastJoinAt = Date.now()
        this.proposal = []
        if (this.core === undefined) this.core = this.newCore()
        const info = infos.find(i => i.peer === decision.via)
        const target = info?.leader !== undefined && info.leader !== '' && info.leader !== this.id ? info.leader : decision.via
        try {
          const r = await this.client.request(target, { op: pb.ClientOp.JOIN, command: EMPTY, peer: this.id }, { signal: AbortSignal.timeout(this.requestTimeoutMs) })
          if (r.error !== '') this.log('join through %s: %s %s', target, r.error, r.message)
        } catch (err) {
          this.log('join through %s failed - %e', target, err)
        }
      }
    } finally {
      this.formationBusy = false
    }
  }

  private ownAddresses (): string[] {
    try {
      return this.components.addressManager?.getAddresses().map(String) ?? []
    } catch {
      return []
    }
  }

  /** The listen addresses this node knows for each member of its cluster (as they reported them, or from the peer store). */
  private async memberAddresses (): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = Object.fromEntries(this.memberAddrs)
    const conf = this.core?.status().conf
    const store = this.components.peerStore
    if (conf === undefined || store === undefined) return out
    await Promise.all([...conf.voters, ...conf.learners].filter(m => m !== this.id).map(async (m) => {
      if (out[m] !== undefined) return
      try {
        const peer = await store.get(peerIdFromString(m))
        if (peer.addresses.length > 0) out[m] = peer.addresses.map(a => a.multiaddr.toString())
      } catch { /* unknown peer */ }
    }))
    return out
  }

  /**
   * Members this node has no connection to (discovery may have connected it to part of the mesh
   * only, or a link dropped): dial them at the addresses remembered while they were connected, or
   * learnt from a connected member, so that every member keeps reaching every other one.
   */
  private async connectivityRound (): Promise<void> {
    const core = this.core
    const store = this.components.peerStore
    if (!this.started || core === undefined || store === undefined || !this.isMember()) return
    const conf = core.status().conf
    const connected = new Set(this.verifiedPeers())
    const members = [...conf.voters, ...conf.learners].filter(m => m !== this.id)
    await Promise.all(members.filter(m => connected.has(m)).map(async (m) => {
      const peer = await store.get(peerIdFromString(m)).catch(() => undefined)
      const addrs = peer?.addresses.map(a => a.multiaddr.toString()) ?? []
      if (addrs.length > 0 && !this.memberAddrs.has(m)) this.memberAddrs.set(m, addrs)
    }))
    for (const m of this.memberAddrs.keys()) if (!members.includes(m)) this.memberAddrs.delete(m)
    // Learn every member's addresses while connected members can tell (before a failure needs them).
    const unknown = members.filter(m => !this.memberAddrs.has(m))
    if (unknown.length > 0) {
      await Promise.all(members.filter(m => connected.has(m)).map(async (via) => {
        try {
          const r = await this.client.request(via, { op: pb.ClientOp.INFO, command: EMPTY, peer: '' }, { signal: AbortSignal.timeout(1_000) })
          const { addresses } = JSON.parse(decoder.decode(r.result)) as { addresses?: Record<string, string[]> }
          for (const m of unknown) {
            const addrs = addresses?.[m] ?? []
            if (addrs.length > 0 && !this.memberAddrs.has(m)) this.memberAddrs.set(m, addrs)
          }
        } catch (err) {
          this.log('asking %s for members\' addresses failed - %e', via, err)
        }
      }))
    }
    const missing = members.filter(m => !connected.has(m))
    if (missing.length === 0) return
    await Promise.all(missing.map(async (m) => {
      const addrs = this.memberAddrs.get(m) ?? []
      if (addrs.length === 0) { this.log('member %s is not connected and its addresses are unknown', m); return }
      try {
        const targets = addrs.map(a => multiaddr(a.includes('/p2p/') ? a : `${a}/p2p/${m}`))
        await store.merge(peerIdFromString(m), { multiaddrs: targets })
        await this.components.connectionManager.openConnection(targets, { signal: AbortSignal.timeout(2_000) })
        this.log('reconnected to member %s', m)
      } catch (err) {
        this.log('member %s is unreachable - %e', m, err)
      }
    }))
  }

  private promotionRound (): void {
    const core = this.core
    if (!this.started || core === undefined) return
    const s = core.status()
    if (s.role !== 'leader' || s.progress === undefined || s.conf.learners.length === 0) return
    const connected = new Set(this.verifiedPeers())
    const caughtUp = s.conf.learners
      .filter(l => connected.has(l) && (s.progress?.[l]?.match ?? 0) + CAUGHT_UP_LAG >= s.commit)
      .sort()
    const node = learnerToPromote(s.conf.voters.length, caughtUp, this.maxVoters)
    if (node === undefined) return
    try {
      core.proposeConfChange({ type: 'promote-learner', node })
      this.log('promoting learner %s', node)
      this.schedule()
    } catch (err) {
      this.log('promotion of %s postponed - %e', node, err)
    }
  }

  // ------------------------------------------------------------------ metrics

  private registerMetrics (): void {
    const metrics = this.components.metrics
    if (metrics == null) return
    metrics.registerCounter('fedmesh_raft_proposals_total', { help: 'Raft proposals made on this node (forwarded ones included)', calculate: () => this.stats.proposals })
    metrics.registerCounter('fedmesh_raft_proposals_failed_total', { help: 'Raft proposals that failed (timeout, lost in a leader change)', calculate: () => this.stats.proposalsFailed })
    metrics.registerCounter('fedmesh_raft_elections_total', { help: 'Elections this node started (pre-vote rounds included)', calculate: () => this.stats.elections })
    metrics.registerCounter('fedmesh_raft_leader_changes_total', { help: 'Leader changes seen by this node', calculate: () => this.stats.leaderChanges })
    metrics.registerCounter('fedmesh_raft_snapshots_sent_total', { help: 'Snapshots streamed to followers', calculate: () => this.stats.snapshotsSent })
    metrics.registerCounter('fedmesh_raft_snapshots_taken_total', { help: 'Snapshots taken of the state machine (log compactions)', calculate: () => this.stats.snapshotsTaken })
    metrics.registerCounter('fedmesh_raft_messages_dropped_total', { help: 'Raft messages dropped by full per-peer queues or unreachable peers', calculate: () => this.transport.stats.dropped })
    metrics.registerCounter('fedmesh_raft_malformed_total', { help: 'Malformed Raft frames received (each reset its stream)', calculate: () => this.transport.stats.malformed + this.client.malformed })
    metrics.registerMetric('fedmesh_raft_log_entries', { help: 'Entries in the Raft log after the latest snapshot', calculate: () => { const s = this.core?.status(); return s === undefined ? 0 : s.lastIndex - s.snapshotIndex } })
    metrics.registerMetric('fedmesh_raft_term', { help: 'Current Raft term', calculate: () => this.core?.basicStatus().term ?? 0 })
    metrics.registerMetric('fedmesh_raft_commit_index', { help: 'Raft commit index', calculate: () => this.core?.status().commit ?? 0 })
    metrics.registerMetric('fedmesh_raft_is_leader', { help: '1 when this node leads', calculate: () => this.core?.basicStatus().role === 'leader' ? 1 : 0 })
  }
}

function expectRevision (result: KvResult, key: string): number {
  if (result.ok) return result.revision
  if (result.error === 'RevisionMismatch') throw new RevisionMismatchError(result.currentRevision ?? 0)
  if (result.error === 'NotFound') throw new KeyNotFoundError(`${key} does not exist`)
  throw new InvalidLockTokenError(result.error)
}

function translate (err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err))
  if (e.name === 'NotLeaderError') return new NoQuorumError(`${e.message}; retry`)
  if (e.name === 'ProposalDroppedError') return new NoQuorumError(`the leader cannot take proposals right now (${e.message}); retry`)
  if (e.name === 'InvalidTransferError' || e.name === 'InvalidConfChangeError') return new InvalidMembershipRequestError(e.message)
  return e
}

function leaderUnavailable (err: PeerUnavailableError): NoQuorumError {
  return new NoQuorumError(`the leader ${err.peer} failed repeatedly; not asking it for ${Math.ceil((err.retryAfterMs ?? 1_000) / 1_000)} s`)
}

const KNOWN_ERRORS: Record<string, (message: string) => Error> = {
  NoQuorumError: (m) => new NoQuorumError(m),
  RaftNotReadyError: (m) => new NoQuorumError(m),
  RaftStoppedError: (m) => new NoQuorumError(m),
  InvalidMembershipRequestError: (m) => new InvalidMembershipRequestError(m),
  MalformedCommandError: (m) => new InvalidMembershipRequestError(m)
}

function errorFromResponse (r: pb.ClientResponse): Error {
  const make = KNOWN_ERRORS[r.error]
  if (make !== undefined) return make(r.message)
  return new NoQuorumError(`the leader failed the request: ${r.error}: ${r.message}`)
}

/**
 * Runs `start(resolve, reject)` (which returns how to undo what it registered) and settles with it, or rejects with
 * `timeoutError()` after `ms`, or with NoQuorumError when `signal` aborts; one timer, no AbortSignal per call.
 */
async function bounded<T> (ms: number, signal: AbortSignal | undefined, timeoutError: () => Error, start: (resolve: (value: T) => void, reject: (err: Error) => void) => () => void): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    let settled = false
    let undo: () => void = () => {}
    const finish = (): boolean => {
      if (settled) return false
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      return true
    }
    const fail = (err: Error): void => { if (finish()) { undo(); reject(err) } }
    const onAbort = (): void => { fail(new NoQuorumError('the caller gave up')) }
    const timer = setTimeout(() => { fail(timeoutError()) }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
    undo = start((value) => { if (finish()) resolve(value) }, fail)
    if (signal?.aborted === true) onAbort()
  })
}

function anySignal (a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a === undefined ? b : AbortSignal.any([a, b])
}

async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

