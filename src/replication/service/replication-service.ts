import { breakersOf, requestPeer } from '../../util/peer-requests.js'
import { TypedEventEmitter } from '@libp2p/interface'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { counterOf, LWWMap, LWWRegister, NodeTable, ORSet, PNCounter } from '../core/index.js'
import { MemoryReplicaPersistence, ReplicaStore, ReplicaSyncStore } from '../store/index.js'
import { decodeGossip, decodePage, decodePullRequest, encodeGossip, encodePage, encodePullRequest, packDelta, unpackDelta } from './codec.js'
import * as C from './constants.js'
import { AdoptionIncompleteError, InvalidReplicationConfigError, ReplicaWithheldError, ReplicationNotStartedError, UnverifiedReplicaError } from './errors.js'
import type { GossipMessage } from './codec.js'
import type { AdoptResult, DataChange, DataChangeEvents, PullResult, ReplicationComponents, ReplicationInit, ReplicationStats } from './types.js'
import type { ApplyResult, Delta, JsonValue, ReadResult, UpdateBatch, VectorClock } from '../core/index.js'
import type { ReplicaChange } from '../store/index.js'
import type { GossipSub, Message, SubscriptionChangeData } from '@libp2p/gossipsub'
import type { AbortOptions, Connection, CounterGroup, Logger, PeerId, Startable, Stream } from '@libp2p/interface'

/** Handle of a PN-Counter key: `node.data.counter('hits').increment()`. */
export interface CounterHandle {
  increment(by?: number): Promise<number>
  decrement(by?: number): Promise<number>
  value(): number
}

/** Handle of an observed-remove set key (add wins over a concurrent remove). */
export interface SetHandle {
  add(...elements: JsonValue[]): Promise<JsonValue[]>
  remove(...elements: JsonValue[]): Promise<JsonValue[]>
  has(element: JsonValue): boolean
  values(): JsonValue[]
}

/** Handle of an LWW-Register key. */
export interface RegisterHandle {
  set(value: JsonValue): Promise<void>
  get(): JsonValue | undefined
}

/** Handle of an LWW-Map key (one LWW register per field). */
export interface MapHandle {
  set(field: string, value: JsonValue): Promise<void>
  remove(field: string): Promise<void>
  get(field: string): JsonValue | undefined
  value(): Record<string, JsonValue>
}

export interface WriteOptions {
  /** The clock of an earlier read: the write replaces exactly what that read saw (others stay as siblings). */
  context?: VectorClock
  /** Resolve only once the write is durable on this node (default: at once, durable within milliseconds). */
  durable?: boolean
}

interface TopicQueue {
  topic: string
  items: Delta[]
  pumping: boolean
  timer?: ReturnType<typeof setTimeout>
  holding: boolean
  backoffMs: number
  tokens: number
  refilledAt: number
}

/** The partition service's events as the replication service follows them (duck-typed). */
interface PartitionEvents {
  addEventListener(type: string, listener: (evt: CustomEvent<never>) => void): void
  removeEventListener(type: string, listener: (evt: CustomEvent<never>) => void): void
}

interface ReplicationMetrics {
  deltas: CounterGroup
  bytes: CounterGroup
  messages: CounterGroup
}

type Counters = {
  writes: number
  received: number
  applied: number
  conflictResolved: number
  duplicate: number
  obsolete: number
  rejectedChecksum: number
  rejectedClockDrift: number
  malformed: number
  dropped: number
  published: number
  messagesReceived: number
  requeued: number
  publishFailures: number
  rejectedMessages: number
  bytesSent: number
  bytesReceived: number
  pullsMade: number
  pullsAnswered: number
  pullsFailed: number
  pullDeltas: number
}

/**
 * Multi-master replication as a libp2p service (see index.ts for the protocols). Local operations change the
 * durable replica at once and queue their delta for gossip; gossip, pulls and anti-entropy feed remote deltas in.
 */
export class ReplicationService extends TypedEventEmitter<DataChangeEvents> implements Startable {
  readonly [Symbol.toStringTag] = '@fedmesh/replication'
  readonly protocol: string

  private readonly components: ReplicationComponents
  private readonly init: ReplicationInit
  private readonly log: Logger
  private readonly self: string
  private readonly keyspaces: Set<string>
  private readonly topicPrefix: string
  private readonly isVerified: (peer: PeerId) => boolean
  private readonly limits: {
    maxQueued: number, maxDeltas: number, maxBytes: number, perSecond: number, burst: number, linger: number,
    holdRetry: number, maxHoldRetry: number, pageBytes: number, pullInterval: number, pullTimeout: number,
    ackInterval: number, gcInterval: number, memberTimeout: number
  }

  private store?: ReplicaStore
  private syncView?: ReplicaSyncStore
  private unregisterSync?: () => void
  private pubsub?: GossipSub
  private started = false
  private topologyId?: string
  private controller = new AbortController()
  private readonly queues = new Map<string, TopicQueue>()
  private queued = 0
  private readonly replicaPeers = new Map<string, PeerId>()
  /** Each member's latest acknowledgement (summary clock) and when it arrived. */
  private readonly acks = new Map<string, { clock: VectorClock, at: number }>()
  private readonly validated = new WeakMap<Message, GossipMessage>()
  private readonly pulling = new Map<string, Promise<PullResult>>()
  private readonly gapPulls = new Set<string>()
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private lastAck = ''
  /** True while this replica keeps its changes to itself: on a minority side awaiting reset (see ReplicationInit.withholdOnMinority). */
  private withholding = false
  private unwatchPartition?: () => void
  private readonly metrics?: ReplicationMetrics
  private readonly counters: Counters = {
    writes: 0,
    received: 0,
    applied: 0,
    conflictResolved: 0,
    duplicate: 0,
    obsolete: 0,
    rejectedChecksum: 0,
    rejectedClockDrift: 0,
    malformed: 0,
    dropped: 0,
    published: 0,
    messagesReceived: 0,
    requeued: 0,
    publishFailures: 0,
    rejectedMessages: 0,
    bytesSent: 0,
    bytesReceived: 0,
    pullsMade: 0,
    pullsAnswered: 0,
    pullsFailed: 0,
    pullDeltas: 0
  }

  constructor (components: ReplicationComponents, init: ReplicationInit = {}) {
    super()
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('fedmesh:replication')
    this.self = components.peerId.toString()
    this.protocol = init.protocol ?? C.PROTOCOL
    this.topicPrefix = init.topicPrefix ?? C.TOPIC_PREFIX
    this.keyspaces = new Set(init.keyspaces ?? [])
    for (const k of this.keyspaces) {
      if (k.length === 0 || k.includes('/') || k === C.DEFAULT_KEYSPACE) throw new InvalidReplicationConfigError(`keyspace ${JSON.stringify(k)} must be a non-empty path segment other than ${C.DEFAULT_KEYSPACE}`)
    }
    this.isVerified = init.isVerified ?? (() => true)
    this.limits = {
      maxQueued: positive('maxQueuedDeltas', init.maxQueuedDeltas ?? C.DEFAULT_MAX_QUEUED_DELTAS),
      maxDeltas: positive('maxDeltasPerMessage', init.maxDeltasPerMessage ?? C.DEFAULT_MAX_DELTAS_PER_MESSAGE),
      maxBytes: positive('maxMessageBytes', init.maxMessageBytes ?? C.DEFAULT_MAX_MESSAGE_BYTES),
      perSecond: positive('maxMessagesPerSecond', init.maxMessagesPerSecond ?? C.DEFAULT_MAX_MESSAGES_PER_SECOND),
      burst: positive('messageBurst', init.messageBurst ?? C.DEFAULT_MESSAGE_BURST),
      linger: nonNegative('lingerMs', init.lingerMs ?? C.DEFAULT_LINGER_MS),
      holdRetry: positive('holdRetryMs', init.holdRetryMs ?? C.DEFAULT_HOLD_RETRY_MS),
      maxHoldRetry: positive('maxHoldRetryMs', init.maxHoldRetryMs ?? C.DEFAULT_MAX_HOLD_RETRY_MS),
      pageBytes: positive('maxPageBytes', init.maxPageBytes ?? C.DEFAULT_MAX_PAGE_BYTES),
      pullInterval: nonNegative('pullIntervalMs', init.pullIntervalMs ?? C.DEFAULT_PULL_INTERVAL_MS),
      pullTimeout: positive('pullTimeoutMs', init.pullTimeoutMs ?? C.DEFAULT_PULL_TIMEOUT_MS),
      ackInterval: nonNegative('ackIntervalMs', init.ackIntervalMs ?? C.DEFAULT_ACK_INTERVAL_MS),
      gcInterval: nonNegative('gcIntervalMs', init.gcIntervalMs ?? C.DEFAULT_GC_INTERVAL_MS),
      memberTimeout: positive('memberTimeoutMs', init.memberTimeoutMs ?? C.DEFAULT_MEMBER_TIMEOUT_MS)
    }
    const m = components.metrics
    if (m != null) {
      this.metrics = {
        deltas: m.registerCounterGroup('fedmesh_replication_deltas_total', { label: 'outcome', help: 'Replication deltas: local writes, and received deltas by outcome (applied, conflict, duplicate, obsolete, rejected_checksum, rejected_drift, malformed, dropped)' }),
        bytes: m.registerCounterGroup('fedmesh_replication_bytes_total', { label: 'direction', help: 'Replication payload bytes (gossip and pull) sent and received' }),
        messages: m.registerCounterGroup('fedmesh_replication_messages_total', { label: 'kind', help: 'Replication gossip messages and pulls' })
      }
      m.registerMetricGroup('fedmesh_replication_conflicts_resolved', {
        label: 'resolver',
        help: 'Concurrent versions reconciled, by resolver',
        calculate: () => ({ ...(this.store?.state.stats().resolutions ?? {}) })
      })
      m.registerMetric('fedmesh_replication_entries', { help: 'Stored replicated entries (tombstones included)', calculate: () => this.store?.state.size ?? 0 })
      m.registerMetric('fedmesh_replication_queued_deltas', { help: 'Deltas waiting to be gossiped', calculate: () => this.queued })
    }
  }

  isStarted (): boolean {
    return this.started
  }

  async start (): Promise<void> {
    if (this.started) return
    const persistence = this.init.persistence ?? new MemoryReplicaPersistence()
    this.store = await ReplicaStore.open({
      nodeId: this.self,
      persistence,
      resolvers: this.init.resolvers,
      maxDriftMs: this.init.maxDriftMs,
      flushDelayMs: this.init.flushDelayMs,
      onFlushError: (err) => { this.log.error('flushing the replica failed (retried with the next change) - %e', err) }
    })
    this.store.onChange(this.forwardChange)
    this.controller = new AbortController()
    const pubsub = lookup(this.components, this.init.pubsubService ?? C.DEFAULT_PUBSUB_SERVICE) as GossipSub | undefined
    if (pubsub?.topicValidators != null && typeof pubsub.publish === 'function') {
      this.pubsub = pubsub
      for (const topic of this.topics()) pubsub.topicValidators.set(topic, this.validate)
      pubsub.addEventListener('message', this.onMessage)
      pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    } else {
      this.log('no gossipsub service: writes spread by pulls and anti-entropy only')
    }
    const aeName = this.init.antiEntropyService ?? C.DEFAULT_ANTI_ENTROPY_SERVICE
    if (aeName !== false) {
      const ae = lookup(this.components, aeName) as { register?: (name: string, store: ReplicaSyncStore) => () => void } | undefined
      if (ae != null && typeof ae.register === 'function') {
        this.syncView = new ReplicaSyncStore(this.store)
        this.unregisterSync = ae.register(C.SYNC_KEYSPACE, this.syncView)
      }
    }
    if (this.init.withholdOnMinority === true) this.watchPartition()
    await this.components.registrar.handle(this.protocol, (stream, connection) => { void this.answerPull(stream, connection) }, {
      maxInboundStreams: C.MAX_INBOUND_STREAMS,
      maxOutboundStreams: C.MAX_OUTBOUND_STREAMS
    })
    this.topologyId = await this.components.registrar.register(this.protocol, {
      onConnect: (peer) => {
        if (!this.isVerified(peer)) return
        this.replicaPeers.set(peer.toString(), peer)
        if (this.init.pullOnConnect !== false) this.pullInBackground(peer, 'connect')
      },
      onDisconnect: (peer) => { this.replicaPeers.delete(peer.toString()) }
    })
    this.started = true
    this.every(this.limits.pullInterval, () => { this.periodicPull() })
    this.every(this.limits.ackInterval, () => { this.publishAck() })
    this.every(this.limits.gcInterval, () => { this.collectGarbage() })
  }

  /** Gossipsub accepts subscriptions only once it has started, which is after every service's `start`. */
  async afterStart (): Promise<void> {
    if (!this.started || this.pubsub == null) return
    for (const topic of this.topics()) this.pubsub.subscribe(topic)
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.controller.abort(new ReplicationNotStartedError('replication stopped'))
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    for (const q of this.queues.values()) clearTimeout(q.timer)
    const pubsub = this.pubsub
    if (pubsub != null) {
      pubsub.removeEventListener('message', this.onMessage)
      pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
      for (const topic of this.topics()) {
        if (pubsub.topicValidators.get(topic) === this.validate) pubsub.topicValidators.delete(topic)
        try { pubsub.unsubscribe(topic) } catch { /* gossipsub may have stopped first */ }
      }
    }
    this.pubsub = undefined
    this.unwatchPartition?.()
    this.unwatchPartition = undefined
    this.withholding = false
    this.unregisterSync?.()
    this.unregisterSync = undefined
    this.syncView?.close()
    if (this.topologyId != null) this.components.registrar.unregister(this.topologyId)
    this.topologyId = undefined
    this.replicaPeers.clear()
    await this.components.registrar.unhandle(this.protocol).catch(() => {})
    await Promise.allSettled(this.pulling.values())
    await this.store?.close()
  }

  // ------------------------------------------------------------------ the data API

  /** Writes a JSON value; resolves with the key's clock once applied locally (see WriteOptions.durable). */
  async write (key: string, value: JsonValue, options: WriteOptions = {}): Promise<VectorClock> {
    const store = this.open()
    const delta = store.write(key, value, { context: options.context })
    this.enqueue(delta)
    if (options.durable === true) await store.flush()
    return store.state.clockOf(key) ?? {}
  }

  /** Deletes a key (a tombstone, collected once every member has seen it). */
  async delete (key: string, options: WriteOptions = {}): Promise<VectorClock> {
    const store = this.open()
    const delta = store.delete(key, { context: options.context })
    this.enqueue(delta)
    if (options.durable === true) await store.flush()
    return store.state.clockOf(key) ?? {}
  }

  /** The resolved value with its clock, or undefined when absent or deleted. */
  read (key: string): ReadResult | undefined {
    return this.open().read(key)
  }

  /** Every current entry the holder of `since` has not seen (the answer of `GET /v1/data?since=`). */
  getUpdatesSince (since: VectorClock): UpdateBatch {
    return this.open().state.getUpdatesSince(since)
  }

  /** Applies an anti-entropy batch obtained elsewhere (e.g. from another node's HTTP API). */
  applyUpdates (batch: UpdateBatch): { applied: number, refused: number, clockAdvanced: boolean } {
    const out = this.open().applyUpdates(batch)
    for (const r of out.results) this.countApply(r)
    return {
      applied: out.results.filter(r => r.changed).length,
      refused: out.results.filter(r => r.status === 'rejected-checksum' || r.status === 'rejected-clock-drift').length,
      clockAdvanced: out.clockAdvanced
    }
  }

  /** Listens to every change of a key (local, gossip, sync, collection); returns a function that stops listening. */
  onChange (listener: (change: DataChange) => void): () => void {
    const handler = (evt: CustomEvent<DataChange>): void => { listener(evt.detail) }
    this.addEventListener('change', handler)
    return () => { this.removeEventListener('change', handler) }
  }

  /** The summary clock: everything up to it is reflected here. */
  clock (): VectorClock {
    return this.open().clock()
  }

  /** SHA-256 over every live entry: equal on replicas holding the same data. */
  checksum (): string {
    return this.open().checksum()
  }

  /** Resolves when every change made so far is durable. */
  async flush (): Promise<void> {
    await this.open().flush()
  }

  /** The keyspace (gossip topic suffix) of a key. */
  keyspaceOf (key: string): string {
    const slash = key.indexOf('/')
    const first = slash < 0 ? key : key.slice(0, slash)
    return this.keyspaces.has(first) ? first : C.DEFAULT_KEYSPACE
  }

  /** A PN-Counter under `name`. */
  counter (name: string): CounterHandle {
    const apply = async (by: number): Promise<number> => {
      this.enqueue(this.open().mutateCrdt(name, PNCounter, (s, a) => PNCounter.increment(s, a.node, by)))
      return this.counterValue(name)
    }
    return {
      increment: async (by = 1) => apply(by),
      decrement: async (by = 1) => apply(-by),
      value: () => this.counterValue(name)
    }
  }

  /** An observed-remove set under `name`. */
  set (name: string): SetHandle {
    const values = (): JsonValue[] => {
      const r = this.read(name)
      return r?.crdtType === 'or-set' ? r.value as JsonValue[] : []
    }
    return {
      add: async (...elements) => {
        for (const x of elements) this.enqueue(this.open().mutateCrdt(name, ORSet, (s, a) => ORSet.add(s, a.node, x)))
        return values()
      },
      remove: async (...elements) => {
        for (const x of elements) this.enqueue(this.open().mutateCrdt(name, ORSet, (s) => ORSet.remove(s, x)))
        return values()
      },
      has: (x) => {
        const text = JSON.stringify(x)
        return values().some(v => JSON.stringify(v) === text)
      },
      values
    }
  }

  /** A last-writer-wins register under `name`. */
  register (name: string): RegisterHandle {
    return {
      set: async (value) => { this.enqueue(this.open().mutateCrdt(name, LWWRegister, (s, a) => LWWRegister.set(s, value, a.hlc))) },
      get: () => {
        const r = this.read(name)
        return r?.crdtType === 'lww-register' && r.value !== null ? r.value : undefined
      }
    }
  }

  /** A last-writer-wins map under `name`. */
  map (name: string): MapHandle {
    const value = (): Record<string, JsonValue> => {
      const r = this.read(name)
      return r?.crdtType === 'lww-map' ? r.value as Record<string, JsonValue> : {}
    }
    return {
      set: async (field, v) => { this.enqueue(this.open().mutateCrdt(name, LWWMap, (s, a) => LWWMap.set(s, field, v, a.hlc))) },
      remove: async (field) => { this.enqueue(this.open().mutateCrdt(name, LWWMap, (s, a) => LWWMap.remove(s, field, a.hlc))) },
      get: (field) => value()[field],
      value
    }
  }

  /** Counters and sizes; `keys` (live keys) costs O(entries) after a change, so `{ keys: false }` leaves it at -1. */
  stats (options: { keys?: boolean } = {}): ReplicationStats {
    const store = this.open()
    const s = store.stats()
    const c = this.counters
    const byResolver = { ...s.resolutions }
    return {
      keys: options.keys === false ? -1 : store.liveKeys(),
      entries: s.entries,
      conflicts: { total: Object.values(byResolver).reduce((a, b) => a + b, 0), byResolver },
      bytesReplicated: { sent: c.bytesSent, received: c.bytesReceived },
      writes: c.writes,
      deltas: {
        received: c.received,
        applied: c.applied,
        conflictResolved: c.conflictResolved,
        duplicate: c.duplicate,
        obsolete: c.obsolete,
        rejectedChecksum: c.rejectedChecksum,
        rejectedClockDrift: c.rejectedClockDrift,
        malformed: c.malformed,
        dropped: c.dropped,
        queued: this.queued
      },
      messages: { published: c.published, received: c.messagesReceived, requeued: c.requeued, publishFailures: c.publishFailures, rejected: c.rejectedMessages },
      pulls: { made: c.pullsMade, answered: c.pullsAnswered, failed: c.pullsFailed, deltasReceived: c.pullDeltas },
      tombstonesCollected: s.tombstonesCollected,
      flushes: s.flushes,
      pendingFlush: s.pendingKeys,
      clock: store.clock(),
      antiEntropy: this.unregisterSync !== undefined
    }
  }

  /** The durable replica (for inspection and tests). */
  get replica (): ReplicaStore {
    return this.open()
  }

  /** Collects tombstones now (also done every gcIntervalMs); returns the keys removed. */
  collectGarbage (): string[] {
    if (this.store === undefined || !this.started) return []
    // Members: this node, the connected replica peers, and every replica heard from recently (acknowledgements
    // spread by gossip across the mesh), so that a tombstone stays until non-neighbours have seen it too.
    const now = Date.now()
    const members = new Set([this.self, ...this.replicaPeers.keys()])
    const acks: Record<string, VectorClock> = {}
    for (const [peer, ack] of this.acks) {
      acks[peer] = ack.clock
      if (now - ack.at <= this.limits.memberTimeout) members.add(peer)
    }
    return this.store.collectGarbage(acks, [...members])
  }

  // ------------------------------------------------------------------ pulls

  /**
   * Pulls from `peer` every update this replica has not seen (`getUpdatesSince(clock())` on the peer), in pages,
   * and applies them. A pull already running with that peer is joined rather than repeated.
   */
  async replicateFrom (peerOrId: PeerId | string, options: AbortOptions = {}): Promise<PullResult> {
    const peer = typeof peerOrId === 'string' ? peerIdFromString(peerOrId) : peerOrId
    const id = peer.toString()
    const running = this.pulling.get(id)
    if (running !== undefined) return await running
    const pull = requestPeer(breakersOf(this.components), peer, async () => await this.pull(peer, options)).finally(() => { this.pulling.delete(id) })
    this.pulling.set(id, pull)
    return await pull
  }

  /**
   * Reset-to-known-good: makes this replica take `peer`'s state. Pulls the peer's whole state (every entry, tombstones
   * included) and, for every key where this node's resolved value differs from the peer's, writes the peer's value
   * (or deletes the key when the peer has none) with a context covering both sides, so the correction supersedes
   * every version of either side, replicates as an ordinary write, and every replica converges on the peer's value.
   * Keys written or received here while the adoption runs are left alone; CRDT keys are merged, not reset (see
   * AdoptResult). Throws AdoptionIncompleteError, after adopting what did arrive, when some of the peer's deltas
   * were refused (their keys are then left as they were, and no key is deleted for being absent on the peer).
   */
  async adoptFrom (peerOrId: PeerId | string, options: AbortOptions = {}): Promise<AdoptResult> {
    const peer = typeof peerOrId === 'string' ? peerIdFromString(peerOrId) : peerOrId
    const store = this.open()
    const started = Date.now()
    const unchangedSince = store.state.lastHlc()
    const result: AdoptResult = { peer: peer.toString(), keys: 0, deleted: 0, kept: 0, merged: 0, refused: 0, received: 0, durationMs: 0 }
    const peerKeys = new Set<string>()
    const pulled = await requestPeer(breakersOf(this.components), peer, async () => await this.pull(peer, options, {
      since: {},
      apply: (delta) => {
        peerKeys.add(delta.key)
        const out = store.adoptDelta(delta)
        this.countApply(out.result)
        switch (out.outcome) {
          case 'reset': result.keys++; break
          case 'kept': result.kept++; break
          case 'merged': result.merged++; break
          case 'refused': break
        }
        if (out.correction !== undefined) this.enqueue(out.correction)
        return out.result
      }
    }))
    result.received = pulled.received
    result.refused = pulled.refused
    if (pulled.refused > 0) {
      result.durationMs = Date.now() - started
      throw new AdoptionIncompleteError(`${pulled.refused} of ${pulled.received} deltas from ${result.peer} were refused; ${result.keys} keys adopted, absent keys left alone`, result)
    }
    const absent = store.adoptAbsence(peerKeys, unchangedSince)
    for (const delta of absent.deltas) this.enqueue(delta)
    result.keys += absent.deltas.length
    result.deleted = absent.deltas.length
    result.merged += absent.crdtKept.length
    result.durationMs = Date.now() - started
    this.release()
    this.log('adopted the state of %s: %d keys reset (%d deleted), %d already equal, %d merged only, in %d ms', result.peer, result.keys, result.deleted, result.kept, result.merged, result.durationMs)
    return result
  }

  /**
   * One pull: sends `since` to the peer and feeds every delta of the answer's pages to `apply` (or, by default,
   * applies it as a sync). When no delta was refused, the summary then advances to include the peer's.
   */
  private async pull (peer: PeerId, options: AbortOptions, how: { since?: VectorClock, apply?: (delta: Delta) => ApplyResult } = {}): Promise<PullResult> {
    const store = this.open()
    if (!this.isVerified(peer)) throw new UnverifiedReplicaError(`${peer.toString()} is not verified`)
    const started = Date.now()
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.limits.pullTimeout), ...(options.signal != null ? [options.signal] : [])])
    const result: PullResult = { peer: peer.toString(), received: 0, applied: 0, refused: 0, pages: 0, bytes: 0, complete: false, durationMs: 0 }
    let stream: Stream | undefined
    try {
      const connection = await this.components.connectionManager.openConnection(peer, { signal })
      stream = await connection.newStream(this.protocol, { signal })
      const lp = lpStream(stream, { maxDataLength: C.MAX_FRAME_BYTES })
      const since = how.since ?? store.clock()
      await lp.write(encodePullRequest(since), { signal })
      while (true) {
        const frame = (await lp.read({ signal })).subarray()
        result.pages++
        result.bytes += frame.length
        const page = decodePage(frame)
        for (const packed of page.deltas) {
          result.received++
          const r = this.applyRemote(packed, page.nodes, 'sync', how.apply)
          if (r === undefined || r.status === 'rejected-checksum' || r.status === 'rejected-clock-drift') result.refused++
          else if (r.changed) result.applied++
        }
        if (page.done) {
          if (result.refused === 0 && page.origin !== undefined && page.clock !== undefined) {
            result.complete = store.completeUpdates(page.origin, since, page.clock)
            this.acks.set(peer.toString(), { clock: page.clock, at: Date.now() })
          }
          break
        }
      }
      await stream.close({ signal }).catch(() => {})
      this.counters.pullsMade++
      this.counters.pullDeltas += result.received
      this.counters.bytesReceived += result.bytes
      this.metrics?.messages.increment({ pull: true })
      this.metrics?.bytes.increment({ received: result.bytes })
    } catch (err) {
      stream?.abort(asError(err))
      this.counters.pullsFailed++
      this.metrics?.messages.increment({ pull_failed: true })
      throw err
    }
    result.durationMs = Date.now() - started
    this.log('pulled %d deltas (%d applied, %d refused) from %s in %d ms', result.received, result.applied, result.refused, result.peer, result.durationMs)
    return result
  }

  private async answerPull (stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.limits.pullTimeout)])
    try {
      if (!this.isVerified(connection.remotePeer) || this.store === undefined) {
        stream.abort(new UnverifiedReplicaError('not verified'))
        return
      }
      if (this.withholding) {
        stream.abort(new ReplicaWithheldError('this replica is on a minority side awaiting reset'))
        return
      }
      const lp = lpStream(stream, { maxDataLength: C.MAX_FRAME_BYTES })
      const { since } = decodePullRequest((await lp.read({ signal })).subarray())
      // The summary before the entries: each entry signed later covers at least what it held now (see updatesSince).
      const clock = this.store.clock()
      let table = new NodeTable()
      let page: string[] = []
      let bytes = 0
      let sent = 0
      for (const delta of this.store.state.updatesSince(since)) {
        const text = packDelta(delta, table)
        page.push(text)
        bytes += text.length + 1
        if (bytes >= this.limits.pageBytes) {
          const frame = encodePage(table, page)
          await lp.write(frame, { signal })
          sent += frame.length
          table = new NodeTable()
          page = []
          bytes = 0
        }
      }
      const last = encodePage(table, page, { origin: this.self, clock })
      await lp.write(last, { signal })
      sent += last.length
      await stream.close({ signal }).catch(() => {})
      this.counters.pullsAnswered++
      this.counters.bytesSent += sent
      this.metrics?.messages.increment({ pull_answered: true })
      this.metrics?.bytes.increment({ sent })
    } catch (err) {
      this.log('answering a pull from %p failed - %e', connection.remotePeer, err)
      stream.abort(asError(err))
    }
  }

  private pullInBackground (peer: PeerId, why: string): void {
    if (!this.started) return
    this.replicateFrom(peer).catch(err => { this.log('pull (%s) from %p failed - %e', why, peer, err) })
  }

  private periodicPull (): void {
    const peers = [...this.replicaPeers.values()]
    if (peers.length === 0) return
    const peer = peers[Math.floor(Math.random() * peers.length)] as PeerId
    this.pullInBackground(peer, 'periodic')
  }

  // ------------------------------------------------------------------ withholding on a minority side

  /**
   * Follows the partition service (duck-typed, by name): withholds this replica's changes while this node is on a
   * minority side (or isolated), so the majority does not merge writes that the reset on heal (`adoptFrom`) is about to replace.
   */
  private watchPartition (): void {
    const partition = lookup(this.components, this.init.partitionService ?? C.DEFAULT_PARTITION_SERVICE) as PartitionEvents | undefined
    if (partition == null || typeof partition.addEventListener !== 'function') {
      this.log('withholdOnMinority: no partition service; nothing withheld')
      return
    }
    const onState = (evt: CustomEvent<{ type?: string }>): void => {
      if (evt.detail?.type === 'minority' || evt.detail?.type === 'isolated') {
        if (!this.withholding) this.log('on a minority side: withholding changes until the state is reset')
        this.withholding = true
      } else {
        this.release()
      }
    }
    const onHealed = (evt: CustomEvent<{ plan?: { actions?: Array<{ kind?: string }> } }>): void => {
      if (evt.detail?.plan?.actions?.some(a => a.kind === 'adopt-state') !== true) this.release()
    }
    const onReport = (): void => { this.release() }
    partition.addEventListener('partition:detected', onState)
    partition.addEventListener('partition:changed', onState)
    partition.addEventListener('partition:healed', onHealed)
    partition.addEventListener('partition:report', onReport)
    this.unwatchPartition = () => {
      partition.removeEventListener('partition:detected', onState)
      partition.removeEventListener('partition:changed', onState)
      partition.removeEventListener('partition:healed', onHealed)
      partition.removeEventListener('partition:report', onReport)
    }
  }

  /** Ends withholding: the held gossip queues publish at once. */
  private release (): void {
    if (!this.withholding) return
    this.withholding = false
    this.log('releasing withheld changes')
    for (const q of this.queues.values()) {
      q.backoffMs = this.limits.holdRetry
      if (q.timer !== undefined) { clearTimeout(q.timer); q.timer = undefined }
      if (q.items.length > 0) this.schedulePump(q, 0)
    }
  }

  // ------------------------------------------------------------------ gossip out

  private enqueue (delta: Delta): void {
    this.counters.writes++
    this.metrics?.deltas.increment({ local: true })
    if (this.pubsub == null) return
    const topic = this.topicOf(delta.key)
    let q = this.queues.get(topic)
    if (q === undefined) {
      q = { topic, items: [], pumping: false, holding: false, backoffMs: this.limits.holdRetry, tokens: this.limits.burst, refilledAt: Date.now() }
      this.queues.set(topic, q)
    }
    if (this.queued >= this.limits.maxQueued) {
      // Full: the oldest delta goes; peers get its key by pull or anti-entropy (the replica holds it regardless).
      const largest = [...this.queues.values()].reduce((a, b) => b.items.length > a.items.length ? b : a, q)
      const dropped = largest.items.shift()
      if (dropped !== undefined) {
        this.queued--
        this.counters.dropped++
        this.metrics?.deltas.increment({ dropped: true })
      }
    }
    q.items.push(delta)
    this.queued++
    this.schedulePump(q, this.limits.linger)
  }

  private schedulePump (q: TopicQueue, delayMs: number): void {
    if (!this.started || q.pumping || q.timer !== undefined) return
    q.timer = setTimeout(() => {
      q.timer = undefined
      void this.pump(q).catch(err => { this.log.error('publish loop failed - %e', err) })
    }, delayMs)
  }

  /**
   * Publishes the queue as batches of deltas, within the token bucket, while the topic has peers. With no topic
   * peer (or when gossipsub says so) the queue holds and retries with doubling backoff.
   */
  private async pump (q: TopicQueue): Promise<void> {
    if (q.pumping) return
    q.pumping = true
    try {
      while (this.started && this.pubsub != null && q.items.length > 0) {
        const pubsub = this.pubsub
        if (this.withholding || pubsub.getSubscribers(q.topic).length === 0) {
          this.hold(q)
          return
        }
        const now = Date.now()
        q.tokens = Math.min(this.limits.burst, q.tokens + (now - q.refilledAt) * this.limits.perSecond / 1000)
        q.refilledAt = now
        if (q.tokens < 1) {
          q.pumping = false
          this.schedulePump(q, Math.ceil((1 - q.tokens) * 1000 / this.limits.perSecond))
          return
        }
        // Pack deltas until the message is full (the node table is shared by the message's deltas).
        const table = new NodeTable()
        const packed: string[] = []
        let bytes = 0
        while (packed.length < q.items.length && packed.length < this.limits.maxDeltas && bytes < this.limits.maxBytes) {
          const text = packDelta(q.items[packed.length] as Delta, table)
          packed.push(text)
          bytes += text.length + 1
        }
        const n = packed.length
        const batch = q.items.splice(0, n)
        this.queued -= n
        q.tokens -= 1
        const message = encodeGossip(this.self, this.open().clock(), table, packed)
        try {
          await pubsub.publish(q.topic, message)
          q.holding = false
          q.backoffMs = this.limits.holdRetry
          this.counters.published++
          this.counters.bytesSent += message.length
          this.metrics?.messages.increment({ published: true })
          this.metrics?.bytes.increment({ sent: message.length })
        } catch (err) {
          if (isNoPeersError(err)) {
            q.items.unshift(...batch)
            this.queued += n
            this.counters.requeued += n
            this.hold(q)
            return
          }
          // Not retried: pulls and anti-entropy carry these writes to the peers.
          this.counters.publishFailures++
          this.metrics?.messages.increment({ publish_failed: true })
          this.log('publishing %d deltas on %s failed - %e', n, q.topic, err)
        }
      }
    } finally {
      q.pumping = false
    }
  }

  private hold (q: TopicQueue): void {
    q.holding = true
    const delay = q.backoffMs
    q.backoffMs = Math.min(this.limits.maxHoldRetry, q.backoffMs * 2)
    q.pumping = false
    this.schedulePump(q, delay)
  }

  private readonly onSubscriptionChange = (evt: CustomEvent<SubscriptionChangeData>): void => {
    for (const s of evt.detail.subscriptions) {
      const q = this.queues.get(s.topic)
      if (q === undefined || !s.subscribe || !q.holding) continue
      // A topic peer appeared: retry soon (gossipsub needs a moment to graft), and reset the backoff.
      q.backoffMs = this.limits.holdRetry
      if (q.timer !== undefined) { clearTimeout(q.timer); q.timer = undefined }
      this.schedulePump(q, Math.min(50, this.limits.holdRetry))
    }
  }

  private publishAck (): void {
    if (this.pubsub == null || this.store === undefined) return
    const clock = this.store.clock()
    const text = JSON.stringify(clock)
    if (text === this.lastAck) return
    const topic = this.topicPrefix + C.DEFAULT_KEYSPACE
    if (this.pubsub.getSubscribers(topic).length === 0) return
    const message = encodeGossip(this.self, clock, new NodeTable(), [])
    this.pubsub.publish(topic, message).then(() => {
      this.lastAck = text
      this.counters.bytesSent += message.length
    }, (err: unknown) => { this.log('publishing the acknowledgement failed - %e', err) })
  }

  // ------------------------------------------------------------------ gossip in

  /** Accepts signed, well-formed messages from verified peers whose sender is their signer. */
  private readonly validate = (source: PeerId, message: Message): TopicValidatorResult => {
    if (message.type !== 'signed' || !this.isVerified(source) || !this.isVerified(message.from)) return this.rejectMessage()
    let decoded: GossipMessage
    try {
      decoded = decodeGossip(message.data)
    } catch {
      return this.rejectMessage()
    }
    if (decoded.from !== message.from.toString()) return this.rejectMessage()
    this.validated.set(message, decoded)
    return TopicValidatorResult.Accept
  }

  private rejectMessage (): TopicValidatorResult {
    this.counters.rejectedMessages++
    this.metrics?.messages.increment({ rejected: true })
    return TopicValidatorResult.Reject
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const message = evt.detail
    if (!message.topic.startsWith(this.topicPrefix) || this.store === undefined || !this.started) return
    let decoded = this.validated.get(message)
    // Gossipsub keeps the message (its cache) for a while; the decoded form must not live as long.
    this.validated.delete(message)
    if (decoded === undefined) {
      try { decoded = decodeGossip(message.data) } catch { return }
    }
    this.counters.messagesReceived++
    this.counters.bytesReceived += message.data.length
    this.metrics?.bytes.increment({ received: message.data.length })
    this.acks.set(decoded.from, { clock: decoded.clock, at: Date.now() })
    let highest = 0
    for (const packed of decoded.deltas) {
      const r = this.applyRemote(packed, decoded.nodes, 'gossip')
      if (r !== undefined && r.event?.node === decoded.from && r.event.counter > highest) highest = r.event.counter
    }
    // A gap in the sender's events (a message lost or dropped from its queue): pull from it soon.
    if (highest > 0 && counterOf(this.store.clock(), decoded.from) < highest) this.schedulePullAfterGap(decoded.from)
  }

  private schedulePullAfterGap (peerId: string): void {
    if (this.gapPulls.has(peerId)) return
    const peer = this.replicaPeers.get(peerId)
    if (peer === undefined) return
    this.gapPulls.add(peerId)
    this.after(500, () => {
      this.gapPulls.delete(peerId)
      const clock = this.store?.clock()
      if (clock !== undefined) this.pullInBackground(peer, 'gap')
    })
  }

  /** Validates and applies one received delta; undefined when malformed. */
  private applyRemote (packed: unknown, nodes: readonly string[], source: 'gossip' | 'sync', apply?: (delta: Delta) => ApplyResult): (ApplyResult & { event?: Delta['event'] }) | undefined {
    let delta: Delta
    try {
      delta = unpackDelta(packed, nodes)
    } catch {
      this.counters.malformed++
      this.metrics?.deltas.increment({ malformed: true })
      return undefined
    }
    if (apply !== undefined) return apply(delta)
    const r = this.open().applyDelta(delta, source)
    this.countApply(r)
    return { ...r, event: delta.event }
  }

  private countApply (r: ApplyResult): void {
    const c = this.counters
    c.received++
    switch (r.status) {
      case 'applied': c.applied++; break
      case 'conflict-resolved': c.conflictResolved++; break
      case 'duplicate': c.duplicate++; break
      case 'obsolete': c.obsolete++; break
      case 'rejected-checksum': c.rejectedChecksum++; break
      case 'rejected-clock-drift': c.rejectedClockDrift++; break
    }
    this.metrics?.deltas.increment({ [r.status.replace(/-/g, '_')]: true })
  }

  // ------------------------------------------------------------------ internals

  private readonly forwardChange = (change: ReplicaChange): void => {
    if (this.listenerCount('change') === 0) return
    this.safeDispatchEvent('change', { detail: { key: change.key, source: change.source } })
  }

  private counterValue (name: string): number {
    const r = this.read(name)
    return r?.crdtType === 'pn-counter' ? r.value as number : 0
  }

  private topics (): string[] {
    return [C.DEFAULT_KEYSPACE, ...this.keyspaces].map(k => this.topicPrefix + k)
  }

  private topicOf (key: string): string {
    return this.topicPrefix + this.keyspaceOf(key)
  }

  private open (): ReplicaStore {
    if (this.store === undefined) throw new ReplicationNotStartedError('replication has not started')
    return this.store
  }

  private every (ms: number, fn: () => void): void {
    if (ms <= 0) return
    const tick = (): void => {
      if (!this.started) return
      try { fn() } catch (err) { this.log.error('periodic task failed - %e', err) }
      this.after(ms, tick)
    }
    this.after(ms, tick)
  }

  private after (ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); fn() }, ms)
    this.timers.add(t)
  }
}

function lookup (components: ReplicationComponents, name: string): unknown {
  try {
    return components[name]
  } catch {
    // libp2p's components throw for names no service has.
    return undefined
  }
}

function isNoPeersError (err: unknown): boolean {
  return err instanceof Error && (err.name === 'NoPeersSubscribedToTopic' || err.message.includes('NoPeersSubscribedToTopic'))
}

function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

function positive (field: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new InvalidReplicationConfigError(`${field} must be > 0, got ${value}`)
  return value
}

function nonNegative (field: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new InvalidReplicationConfigError(`${field} must be >= 0, got ${value}`)
  return value
}
