import {
  clockLeq, contextAboveFloor, encodeEntry, mergeClocks, maxHlc, ReplicaState, sha256Bytes, signDelta
} from '../core/index.js'
import { ReplicaStoreClosedError } from './errors.js'
import type { ReplicaPersistence } from './persistence.js'
import type {
  AdoptOutcome, ApplyResult, ApplyUpdatesResult, CrdtActor, CrdtDefinition, CrdtDelta, Delta, Hlc, JsonValue, ReadResult,
  RegisterDelta, ReplicaMeta, ReplicaStats, ResolverConfig, StoredEntry, UpdateBatch, VectorClock
} from '../core/index.js'

/** Where a change came from: a local operation, gossip, a sync (pull or anti-entropy), or tombstone collection. */
export type ChangeSource = 'local' | 'gossip' | 'sync' | 'collect'

export interface ReplicaChange {
  readonly key: string
  readonly source: ChangeSource
}

export type ChangeListener = (change: ReplicaChange) => void

export interface ReplicaStoreInit {
  /** This replica's node id (its libp2p peer id). */
  nodeId: string
  persistence: ReplicaPersistence
  /** Resolver table; every replica must use the same one. Default: LWW for every key. */
  resolvers?: ResolverConfig
  /** Largest accepted lead of a remote HLC over local time (ms). @default 60000 */
  maxDriftMs?: number
  /**
   * How long changes wait before the flush that makes them durable starts (ms). Changes made while a flush is
   * running go into the next one, so under load each flush writes everything changed meanwhile (in commits of at most
   * `maxCommitKeys`).
   * @default 2
   */
  flushDelayMs?: number
  /** Physical time source (ms). @default Date.now */
  now?: () => number
  /** Called when a background flush fails (the changes stay pending and are retried by the next flush). */
  onFlushError?: (err: unknown) => void
  /**
   * Most entries per storage commit. More dirty keys than this are written in several commits, one after the
   * other, which bounds the memory a commit takes in the storage engine (LevelDB holds a whole write batch, and
   * then its memtable, in memory). @default 1000
   */
  maxCommitKeys?: number
}

export interface ReplicaStoreStats extends ReplicaStats {
  /** Stored entries (tombstones included). */
  readonly entries: number
  /** Flushes completed and the changes (keys) they wrote. */
  readonly flushes: number
  readonly flushedKeys: number
  readonly flushErrors: number
  /** Keys changed but not yet durable. */
  readonly pendingKeys: number
  readonly bytesWritten: number
}

export const DEFAULT_FLUSH_DELAY_MS = 2
export const DEFAULT_MAX_COMMIT_KEYS = 1000

/**
 * The replica adapter: a `ReplicaState` made durable through a `ReplicaPersistence`, driving the core's adapter
 * loop (see src/replication/core/index.ts) with write-behind batching.
 *
 * Durability: every operation changes the in-memory state at once and returns (a write is acknowledged locally
 * at once, per the contract). The changed keys are marked dirty; a flush starts `flushDelayMs` later (or at once
 * with `flush()`) and writes the dirty entries in atomic commits of at most `maxCommitKeys` entries, oldest first;
 * the commit that empties the dirty set also writes the meta and is synced (which makes the commits before it durable
 * too), the others rewrite the meta last written.
 * So the persisted meta never claims more than the persisted entries hold: a restored replica's summary is at
 * worst older than its entries (anti-entropy then fetches again what it already has), and it never reissues an
 * event counter found in its entries. `flush()` resolves when every change made before the call is durable.
 * A crash loses at most the changes of the last few milliseconds (and, after a burst larger than one commit, the
 * commits not yet written; peers give back what was gossiped).
 *
 * Tombstones leave storage only through `collectGarbage` (causal stability, see ReplicaState.collectGarbage).
 */
export class ReplicaStore {
  readonly nodeId: string
  private readonly persistence: ReplicaPersistence
  private replica: ReplicaState
  private readonly flushDelayMs: number
  private readonly now: () => number
  private readonly onFlushError: (err: unknown) => void
  private readonly dirty = new Set<string>()
  private metaDirty = false
  private readonly maxCommitKeys: number
  /** The meta of the last commit that emptied the dirty set (what partial commits write again). */
  private committedMeta: ReplicaMeta
  private timer?: ReturnType<typeof setTimeout>
  private flushing?: Promise<void>
  private closed = false
  private readonly listeners = new Set<ChangeListener>()
  private floor: VectorClock
  private changes = 0
  private cachedChecksum?: { at: number, value: string }
  private cachedLive?: { at: number, value: number }
  private readonly counters = { flushes: 0, flushedKeys: 0, flushErrors: 0 }

  private constructor (init: ReplicaStoreInit, replica: ReplicaState, maxCommitKeys: number) {
    this.nodeId = init.nodeId
    this.persistence = init.persistence
    this.replica = replica
    this.flushDelayMs = init.flushDelayMs ?? DEFAULT_FLUSH_DELAY_MS
    this.now = init.now ?? Date.now
    this.onFlushError = init.onFlushError ?? (() => {})
    this.maxCommitKeys = maxCommitKeys
    this.committedMeta = replica.meta()
    this.floor = this.committedMeta.floor
  }

  /** Opens the persistence and restores the replica from it (a fresh replica when it is empty). */
  static async open (init: ReplicaStoreInit): Promise<ReplicaStore> {
    const maxCommitKeys = init.maxCommitKeys ?? DEFAULT_MAX_COMMIT_KEYS
    if (!Number.isSafeInteger(maxCommitKeys) || maxCommitKeys < 1) throw new RangeError(`maxCommitKeys must be a positive integer, not ${String(init.maxCommitKeys)}`)
    await init.persistence.open()
    const stateInit = { nodeId: init.nodeId, resolvers: init.resolvers, maxDriftMs: init.maxDriftMs }
    let persisted
    try {
      persisted = await init.persistence.load()
    } catch (err) {
      await init.persistence.close()
      throw err
    }
    const replica = persisted === undefined
      ? new ReplicaState(stateInit)
      : ReplicaState.restore(stateInit, persisted.meta, persisted.entries)
    return new ReplicaStore(init, replica, maxCommitKeys)
  }

  /** The replica state (read-only use: reads, clocks, checksums). Change it only through this store. */
  get state (): ReplicaState {
    return this.replica
  }

  /** Increases with every change of the state (entries, summary or stability floor). */
  get changeCount (): number {
    return this.changes
  }

  // ------------------------------------------------------------------ local operations

  write (key: string, value: JsonValue, options: { context?: VectorClock } = {}): RegisterDelta {
    this.assertOpen()
    const delta = this.replica.write(key, value, this.now(), options)
    this.changed(key, 'local')
    return delta
  }

  delete (key: string, options: { context?: VectorClock } = {}): RegisterDelta {
    this.assertOpen()
    const delta = this.replica.delete(key, this.now(), options)
    this.changed(key, 'local')
    return delta
  }

  mutateCrdt<S> (key: string, definition: CrdtDefinition<S>, op: (state: S, actor: CrdtActor) => S): CrdtDelta {
    this.assertOpen()
    const delta = this.replica.mutateCrdt(key, definition, op, this.now())
    this.changed(key, 'local')
    return delta
  }

  read (key: string): ReadResult | undefined {
    return this.replica.read(key)
  }

  clock (): VectorClock {
    return this.replica.clock()
  }

  // ------------------------------------------------------------------ replication

  /** Joins a remote delta (checksum and clock drift checked by the core); persists and notifies when it changed. */
  applyDelta (delta: Delta, source: 'gossip' | 'sync'): ApplyResult {
    this.assertOpen()
    const result = this.replica.applyDelta(delta, { nowMs: this.now() })
    if (result.changed) this.changed(result.key, source)
    else if (result.status === 'duplicate' || result.status === 'obsolete') this.metaChanged()
    return result
  }

  /** Applies a whole anti-entropy batch (see ReplicaState.applyUpdates). */
  applyUpdates (batch: UpdateBatch): ApplyUpdatesResult {
    this.assertOpen()
    const out = this.replica.applyUpdates(batch, { nowMs: this.now() })
    for (const r of out.results) if (r.changed) this.changed(r.key, 'sync')
    this.metaChanged()
    return out
  }

  /**
   * Ends a batch whose deltas arrived in pages and were applied one by one with `applyDelta`: advances the
   * summary to include `clock` (the responder's summary when it built the batch). Call it only when no delta of
   * the batch was rejected; `since` is the clock the request carried.
   */
  completeUpdates (origin: string, since: VectorClock, clock: VectorClock): boolean {
    this.assertOpen()
    const out = this.replica.applyUpdates({ origin, since, clock, deltas: [] })
    if (out.clockAdvanced) this.metaChanged()
    return out.clockAdvanced
  }

  /** Reset-to-known-good for one key of a peer's full state (see ReplicaState.adoptDelta); persists and notifies. */
  adoptDelta (delta: Delta): AdoptOutcome {
    this.assertOpen()
    const out = this.replica.adoptDelta(delta, this.now())
    if (out.correction !== undefined || out.result.changed) this.changed(delta.key, 'sync')
    else if (out.outcome !== 'refused') this.metaChanged()
    return out
  }

  /** Reset-to-known-good for the keys the peer does not hold (see ReplicaState.adoptAbsence); persists and notifies. */
  adoptAbsence (peerKeys: ReadonlySet<string>, unchangedSince: Hlc): { deltas: RegisterDelta[], crdtKept: string[] } {
    this.assertOpen()
    const out = this.replica.adoptAbsence(peerKeys, unchangedSince, this.now())
    for (const d of out.deltas) this.changed(d.key, 'sync')
    return out
  }

  /** Tombstone collection by causal stability; deletes the collected keys from storage. */
  collectGarbage (acks: Readonly<Record<string, VectorClock>>, members: readonly string[]): string[] {
    this.assertOpen()
    const removed = this.replica.collectGarbage(acks, members)
    const floor = this.replica.meta().floor
    if (!clockLeq(floor, this.floor)) {
      this.floor = floor
      this.metaChanged()
    }
    for (const key of removed) this.changed(key, 'collect')
    return removed
  }

  /**
   * The key's current entry as a delta (what an anti-entropy answer carries for it), or undefined when the key
   * is not stored. Its context includes the stability floor, as in `getUpdatesSince`.
   */
  deltaOf (key: string): Delta | undefined {
    const e = this.replica.entry(key)
    if (e === undefined) return undefined
    if (e.kind === 'register') {
      const hlc = e.versions.reduce<Hlc | null>((m, v) => m === null ? v.hlc : maxHlc(m, v.hlc), null) ?? this.replica.lastHlc()
      return signDelta({ kind: 'register', key, origin: this.nodeId, hlc, versions: e.versions, context: mergeClocks(e.context, this.floor) })
    }
    return signDelta({ kind: 'crdt', key, origin: this.nodeId, hlc: e.hlc ?? this.replica.lastHlc(), crdtType: e.crdtType, state: e.state, top: e.top })
  }

  /**
   * A digest (SHA-256) of the key's stored entry in the normal form `checksum()` uses (a register's context
   * relative to the stability floor): equal on two replicas holding the same entry. Undefined when not stored.
   */
  entryDigest (key: string): Uint8Array | undefined {
    const e = this.replica.entry(key)
    if (e === undefined) return undefined
    const normal: StoredEntry = e.kind === 'register' ? { ...e, context: contextAboveFloor(e, this.floor) } : e
    return sha256Bytes(encodeEntry(key, normal))
  }

  /** The replica checksum (live entries), cached until the next change. */
  checksum (): string {
    if (this.cachedChecksum?.at !== this.changes) this.cachedChecksum = { at: this.changes, value: this.replica.checksum() }
    return this.cachedChecksum.value
  }

  /** Number of keys whose read gives a value (deleted keys whose tombstones are still stored are not counted); cached until the next change. */
  liveKeys (): number {
    if (this.cachedLive?.at !== this.changes) {
      let n = 0
      for (const key of this.replica.keys()) if (this.replica.read(key) !== undefined) n++
      this.cachedLive = { at: this.changes, value: n }
    }
    return this.cachedLive.value
  }

  /** Listens to every change of a key's entry; returns a function that stops listening. */
  onChange (listener: ChangeListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  stats (): ReplicaStoreStats {
    return {
      ...this.replica.stats(),
      entries: this.replica.size,
      ...this.counters,
      pendingKeys: this.dirty.size,
      bytesWritten: this.persistence.bytesWritten
    }
  }

  // ------------------------------------------------------------------ durability

  /** Resolves when every change made before the call is durable; rejects when the flush failed. */
  async flush (): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.settle()
    // Every change made before the call is now durable or among the oldest `left` dirty keys (commits take the
    // oldest first; a background commit started meanwhile takes some of them too). The last commit here is synced;
    // it also carries the meta unless changes made after the call are still dirty.
    if (this.dirty.size === 0 && !this.metaDirty) return
    let left = this.dirty.size
    do {
      left -= Math.min(left, this.maxCommitKeys)
      await this.startFlush(left === 0)
      await this.settle()
    } while (left > 0 && this.dirty.size > 0)
  }

  /** Flushes and closes the persistence; further operations throw ReplicaStoreClosedError. */
  async close (): Promise<void> {
    if (this.closed) return
    try {
      await this.flush()
    } finally {
      this.closed = true
      clearTimeout(this.timer)
      this.timer = undefined
      await this.persistence.close()
    }
  }

  /** Waits until no flush is running (a failed one included). */
  private async settle (): Promise<void> {
    while (this.flushing !== undefined) await this.flushing.catch(() => {})
  }

  /** Commits the oldest dirty keys; synced when it empties the dirty set, or when `sync` asks for it. */
  private startFlush (sync = false): Promise<void> {
    const keys: string[] = []
    for (const key of this.dirty) {
      if (keys.length === this.maxCommitKeys) break
      keys.push(key)
    }
    for (const key of keys) this.dirty.delete(key)
    const last = this.dirty.size === 0
    const meta = last ? this.replica.meta() : this.committedMeta
    if (last) this.metaDirty = false
    const puts: Array<readonly [string, JsonValue]> = []
    const dels: string[] = []
    for (const key of keys) {
      const e = this.replica.entry(key)
      if (e === undefined) dels.push(key)
      // A stored entry is plain JSON data already (entryToJSON would only copy and reorder it); load validates it.
      else puts.push([key, e as unknown as JsonValue])
    }
    // A commit that leaves keys dirty is followed at once by another: the last one's sync makes both durable.
    const run = this.persistence.commit({ puts, dels, meta, sync: sync || last }).then(() => {
      if (last) this.committedMeta = meta
      this.counters.flushes++
      this.counters.flushedKeys += keys.length
    }, (err: unknown) => {
      this.counters.flushErrors++
      for (const key of keys) this.dirty.add(key)
      if (last) this.metaDirty = true
      throw err
    }).finally(() => {
      this.flushing = undefined
      if (!this.closed && (this.dirty.size > 0 || this.metaDirty)) this.schedule()
    })
    this.flushing = run
    return run
  }

  private schedule (): void {
    if (this.timer !== undefined || this.flushing !== undefined || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      if (this.flushing !== undefined) return
      this.startFlush().catch(err => { this.onFlushError(err) })
    }, this.flushDelayMs)
  }

  private changed (key: string, source: ChangeSource): void {
    this.dirty.add(key)
    this.metaDirty = true
    this.changes++
    this.schedule()
    for (const l of this.listeners) l({ key, source })
  }

  private metaChanged (): void {
    this.metaDirty = true
    this.changes++
    this.schedule()
  }

  private assertOpen (): void {
    if (this.closed) throw new ReplicaStoreClosedError('the replica store is closed')
  }
}
