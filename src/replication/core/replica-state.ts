import { CRDT_TYPES, crdtDefinition, joinCrdtJSON } from './crdt/index.js'
import type { CrdtDefinition, CrdtType } from './crdt/index.js'
import type { Dot } from './dot.js'
import { dotEquals, dotKey } from './dot.js'
import { deltaFromJSON, deltaToJSON, encodeEntry, entryFromJSON, signDelta, verifyDelta } from './entry.js'
import { EntryTable } from './entry-table.js'
import type { CrdtDelta, CrdtEntry, Delta, RegisterDelta, RegisterEntry, StoredEntry } from './entry.js'
import { CrdtTypeMismatchError, InvalidStateError } from './errors.js'
import { compareHlc, hlcFromJSON, HybridLogicalClock, maxHlc } from './hlc.js'
import type { Hlc } from './hlc.js'
import { sha256OfLines } from './integrity.js'
import { canonicalJson, cloneJson, compareStrings, jsonEqual } from './json.js'
import type { JsonValue } from './json.js'
import { ResolverTable } from './resolvers.js'
import type { ResolverConfig } from './resolvers.js'
import { clockFromJSON, clockLeq, clockToJSON, compareClocks, counterOf, meetClocks, mergeClocks, normalizeClock } from './vector-clock.js'
import type { VectorClock } from './vector-clock.js'
import { compareVersions, coversDot, mergeVersionSets, writeVersion } from './versions.js'
import type { Version, VersionSet } from './versions.js'

export interface ReplicaStateInit {
  /** This replica's node id (its libp2p peer id). */
  nodeId: string
  /** Conflict resolvers per key prefix; every replica must use the same table. */
  resolvers?: ResolverConfig
  /** Largest accepted lead of a remote HLC over local time when `nowMs` is given to applyDelta; default 60 s. */
  maxDriftMs?: number
  /** Out-of-order observations kept per node before they are forgotten (the summary then waits for anti-entropy). */
  maxPendingPerNode?: number
}

/**
 * What applying a delta did:
 * - 'applied': the state changed; no concurrent versions met;
 * - 'conflict-resolved': the state changed and concurrent versions (or CRDT states) were reconciled;
 * - 'duplicate': this exact content was already here;
 * - 'obsolete': nothing new: the delta's versions were superseded here already;
 * - 'rejected-checksum': the checksum does not match the content (nothing applied);
 * - 'rejected-clock-drift': its HLC is further ahead of `nowMs` than maxDriftMs (nothing applied).
 */
export type ApplyStatus = 'applied' | 'conflict-resolved' | 'duplicate' | 'obsolete' | 'rejected-checksum' | 'rejected-clock-drift'

export interface ApplyResult {
  readonly status: ApplyStatus
  readonly key: string
  /** True when the key's stored entry changed (the adapter should persist `entry(key)`). */
  readonly changed: boolean
}

/** The resolved value of a key as a reader sees it. */
export interface ReadResult {
  readonly value: JsonValue
  /** The key's causal context: pass it back as `context` to a write that should replace what was read. */
  readonly clock: VectorClock
  /** How many versions (concurrent siblings) produced the value; 1 for CRDT keys. */
  readonly siblings: number
  /** 'keep-siblings' only: more live siblings exist than the cap, and the value lists the newest `max`. */
  readonly capped: boolean
  /** Present for a CRDT-valued key. */
  readonly crdtType?: CrdtType
}

/** An anti-entropy answer: every current entry the caller lacks, and the responder's summary clock. */
export interface UpdateBatch {
  readonly origin: string
  /** The clock the caller sent. */
  readonly since: VectorClock
  /** The responder's summary when it built the batch. */
  readonly clock: VectorClock
  readonly deltas: readonly Delta[]
}

/** The JSON form of an anti-entropy batch (for `GET /v1/data?since=`). */
export function updateBatchToJSON (batch: UpdateBatch): JsonValue {
  return { origin: batch.origin, since: clockToJSON(batch.since), clock: clockToJSON(batch.clock), deltas: batch.deltas.map(deltaToJSON) }
}

/** Parses an anti-entropy batch; throws InvalidStateError or InvalidClockError when malformed. */
export function updateBatchFromJSON (json: unknown): UpdateBatch {
  if (typeof json !== 'object' || json === null) throw new InvalidStateError('update batch must be an object')
  const o = json as Record<string, unknown>
  if (typeof o.origin !== 'string' || o.origin.length === 0) throw new InvalidStateError('batch.origin must be a non-empty string')
  if (!Array.isArray(o.deltas)) throw new InvalidStateError('batch.deltas must be an array')
  return { origin: o.origin, since: clockFromJSON(o.since ?? {}), clock: clockFromJSON(o.clock ?? {}), deltas: o.deltas.map(deltaFromJSON) }
}

/**
 * What `adoptDelta` did with one key: 'reset' (the peer's value was written over both sides: gossip
 * `correction`), 'kept' (this replica already held exactly the peer's value), 'merged' (joined only: a CRDT key,
 * or keep-siblings siblings), 'refused' (the delta failed its checksum or drift check; nothing changed).
 */
export interface AdoptOutcome {
  readonly result: ApplyResult
  readonly outcome: 'reset' | 'kept' | 'merged' | 'refused'
  readonly correction?: RegisterDelta
}

export interface ApplyUpdatesResult {
  readonly results: readonly ApplyResult[]
  /** True when the batch was complete for this replica and its summary advanced to include batch.clock. */
  readonly clockAdvanced: boolean
}

/** Passed to a CRDT operation: who performs it and when. */
export interface CrdtActor {
  readonly node: string
  readonly hlc: Hlc
}

export interface ReplicaStats {
  /** Conflicts reconciled, counted by resolver name ('lww', 'highest-node', 'merge-union', 'keep-siblings', a custom name, 'crdt'). */
  readonly resolutions: Readonly<Record<string, number>>
  readonly applied: number
  readonly conflictResolved: number
  readonly duplicate: number
  readonly obsolete: number
  readonly rejectedChecksum: number
  readonly rejectedClockDrift: number
  /** Versions a local write superseded beyond what it had read, to respect the resolver's version cap. */
  readonly siblingsDropped: number
  /** Keys whose stored kind (plain or CRDT type) differed between replicas; the higher-ranked kind won. */
  readonly typeConflicts: number
  /** Entries removed by collectGarbage. */
  readonly tombstonesCollected: number
}

/** Replica-wide state to persist beside the entries (small; rewrite it after every change). */
export interface ReplicaMeta {
  readonly nodeId: string
  /** The last event counter this node issued; never reuse one. */
  readonly seq: number
  /** The summary clock (see `clock()`). */
  readonly summary: VectorClock
  /** Events observed above the summary, per node. */
  readonly pending: Readonly<Record<string, readonly number[]>>
  /** Everything at or below this clock has been seen by every member; used to refuse resurrections. */
  readonly floor: VectorClock
  readonly hlc: Hlc
}

const DEFAULT_MAX_PENDING = 10_000

function kindRank (e: { kind: 'register' } | { kind: 'crdt', crdtType: CrdtType }): number {
  return e.kind === 'register' ? 0 : 1 + CRDT_TYPES.indexOf(e.crdtType)
}

/**
 * A register context with what the stability floor implies left out: a node's counter at or below the
 * floor is dropped, or lowered to its newest current version (so that versions stay covered).
 */
export function contextAboveFloor (e: RegisterEntry, floor: VectorClock): VectorClock {
  const out: Record<string, number> = {}
  for (const [node, counter] of Object.entries(e.context)) {
    if (counter > counterOf(floor, node)) {
      out[node] = counter
      continue
    }
    let newest = 0
    for (const v of e.versions) if (v.dot.node === node && v.dot.counter > newest) newest = v.dot.counter
    if (newest > 0) out[node] = newest
  }
  return out
}

/** True when two entries hold the same state (a dot always names the same version). */
function sameEntry (a: StoredEntry, b: StoredEntry): boolean {
  if (a.kind === 'register' && b.kind === 'register') {
    return a.versions.length === b.versions.length &&
      a.versions.every((v, i) => dotEquals(v.dot, (b.versions[i] as Version).dot)) &&
      compareClocks(a.context, b.context) === 'equal'
  }
  if (a.kind === 'crdt' && b.kind === 'crdt') {
    return a.crdtType === b.crdtType && compareClocks(a.top, b.top) === 'equal' &&
      (a.hlc === null ? b.hlc === null : b.hlc !== null && compareHlc(a.hlc, b.hlc) === 0) &&
      canonicalJson(a.state) === canonicalJson(b.state)
  }
  return false
}

function hasLive (e: StoredEntry): boolean {
  return e.kind === 'crdt' || e.versions.some(v => !v.deleted)
}

/**
 * The in-memory heart of the multi-master store: a deterministic state machine with no IO.
 *
 * Local operations (`write`, `delete`, `mutateCrdt`) change the state and return the Delta to gossip;
 * `applyDelta` joins a remote delta (idempotent, commutative, so drops, duplicates and reordering are
 * harmless); `getUpdatesSince` / `applyUpdates` are anti-entropy. Every replica that has received the same
 * set of deltas holds the same entries and `checksum()`, whatever the order.
 *
 * Summary clock (`clock()`): for each node n, every event of n numbered up to clock()[n] has its effect
 * in this state. It advances with local events, with gossip received in order, and with complete
 * anti-entropy batches; it is the `since` to send and the acknowledgement used for tombstone collection.
 *
 * The adapter contract: after each call that reports a change, persist `entry(key)` (or delete the key if
 * it returns undefined) and `meta()`; restore with `ReplicaState.restore(init, meta, entries)`.
 */
export class ReplicaState {
  readonly nodeId: string
  private readonly hlc: HybridLogicalClock
  private readonly resolvers: ResolverTable
  private readonly maxPending: number
  private readonly entries = new EntryTable()
  private seq = 0
  private summary: Record<string, number> = {}
  private readonly pending = new Map<string, Set<number>>()
  private floor: VectorClock = {}
  private readonly counters = {
    applied: 0,
    conflictResolved: 0,
    duplicate: 0,
    obsolete: 0,
    rejectedChecksum: 0,
    rejectedClockDrift: 0,
    siblingsDropped: 0,
    typeConflicts: 0,
    tombstonesCollected: 0
  }

  private readonly resolutions: Record<string, number> = {}

  constructor (init: ReplicaStateInit) {
    if (typeof init.nodeId !== 'string' || init.nodeId.length === 0) throw new InvalidStateError('nodeId must be a non-empty string')
    this.nodeId = init.nodeId
    this.hlc = new HybridLogicalClock(init.nodeId, { maxDriftMs: init.maxDriftMs })
    this.resolvers = new ResolverTable(init.resolvers)
    this.maxPending = init.maxPendingPerNode ?? DEFAULT_MAX_PENDING
  }

  /** Rebuilds a replica from what an adapter persisted. */
  static restore (init: ReplicaStateInit, meta: ReplicaMeta, entries: Iterable<readonly [string, unknown]>): ReplicaState {
    if (meta.nodeId !== init.nodeId) throw new InvalidStateError(`persisted state belongs to ${meta.nodeId}, not ${init.nodeId}`)
    const r = new ReplicaState(init)
    r.seq = meta.seq
    r.summary = { ...clockFromJSON(meta.summary) }
    r.summary[r.nodeId] = Math.max(counterOf(r.summary, r.nodeId), meta.seq)
    for (const [node, counters] of Object.entries(meta.pending)) r.pending.set(node, new Set(counters))
    r.floor = clockFromJSON(meta.floor)
    r.hlc.observe(hlcFromJSON(meta.hlc))
    for (const [key, json] of entries) {
      const entry = entryFromJSON(json)
      r.entries.set(key, entry)
      r.observeEntryClocks(entry)
    }
    return r
  }

  // ---------------------------------------------------------------- local operations

  /**
   * Writes `value` to a plain key at physical time `nowMs`. The write replaces every version covered by
   * `options.context` (a clock from an earlier read, see `clockOf`) and every tombstone; without a context,
   * every version present here. Versions it has not seen stay as concurrent siblings, resolved on read by
   * the key's resolver; beyond the resolver's cap the oldest are replaced too (counted in siblingsDropped).
   * Throws CrdtTypeMismatchError if the key holds a CRDT, InvalidJsonValueError if `value` is not JSON.
   */
  write (key: string, value: JsonValue, nowMs: number, options: { context?: VectorClock } = {}): RegisterDelta {
    return this.writeRegister(key, cloneJson(value), false, nowMs, options.context)
  }

  /** Deletes a plain key: writes a tombstone that replaces the versions it has seen (see write). */
  delete (key: string, nowMs: number, options: { context?: VectorClock } = {}): RegisterDelta {
    return this.writeRegister(key, null, true, nowMs, options.context)
  }

  /**
   * Applies a CRDT operation to a CRDT-valued key (created empty on first use): `op` receives the current
   * state and returns a delta state, which is joined in and returned inside the delta to gossip. Example:
   * `replica.mutateCrdt('hits', PNCounter, (s, a) => PNCounter.increment(s, a.node, 1), nowMs)`.
   * Throws CrdtTypeMismatchError if the key holds a live plain value or another CRDT type.
   */
  mutateCrdt<S> (key: string, definition: CrdtDefinition<S>, op: (state: S, actor: CrdtActor) => S, nowMs: number): CrdtDelta {
    const existing = this.entries.get(key)
    if (existing !== undefined) {
      if (existing.kind === 'crdt' && existing.crdtType !== definition.type) {
        throw new CrdtTypeMismatchError(`key ${JSON.stringify(key)} holds a ${existing.crdtType}, not a ${definition.type}`)
      }
      if (existing.kind === 'register' && hasLive(existing)) {
        throw new CrdtTypeMismatchError(`key ${JSON.stringify(key)} holds a plain value, not a ${definition.type}`)
      }
    }
    const current = existing?.kind === 'crdt' ? existing : undefined
    const state = current === undefined ? definition.empty() : definition.fromJSON(current.state)
    const hlc = this.hlc.now(nowMs)
    const deltaState = op(state, { node: this.nodeId, hlc })
    const event = this.nextEvent()
    const own = { [this.nodeId]: event.counter }
    const entry: CrdtEntry = {
      kind: 'crdt',
      crdtType: definition.type,
      state: definition.toJSON(definition.join(state, deltaState)),
      top: mergeClocks(current?.top ?? {}, own),
      hlc: current?.hlc == null ? hlc : maxHlc(current.hlc, hlc)
    }
    this.entries.set(key, entry)
    return signDelta({
      kind: 'crdt',
      key,
      origin: this.nodeId,
      hlc,
      event,
      crdtType: definition.type,
      state: definition.toJSON(deltaState),
      top: own
    }) as CrdtDelta
  }

  // ---------------------------------------------------------------- reading

  /** The resolved value of a key, or undefined when absent or deleted. */
  read (key: string): ReadResult | undefined {
    const e = this.entries.get(key)
    if (e === undefined) return undefined
    if (e.kind === 'crdt') {
      const def = crdtDefinition(e.crdtType)
      return { value: def.value(def.fromJSON(e.state)), clock: e.top, siblings: 1, capped: false, crdtType: e.crdtType }
    }
    const resolver = this.resolvers.resolverFor(key)
    const resolution = resolver.resolve(e.versions)
    if (!resolution.present) return undefined
    const capped = resolver.name === 'keep-siblings' && resolution.siblings > resolver.maxVersions
    return { value: resolution.value, clock: contextAboveFloor(e, this.floor), siblings: resolution.siblings, capped }
  }

  /**
   * The causal context of a key as a client should see it (also for a deleted key, while its tombstone is
   * kept): what `PUT` and `DELETE` answer as `{"clock": ...}`. Undefined for a key never seen or collected.
   */
  clockOf (key: string): VectorClock | undefined {
    const e = this.entries.get(key)
    if (e === undefined) return undefined
    return e.kind === 'crdt' ? e.top : contextAboveFloor(e, this.floor)
  }

  /** The stored entry of a key (tombstones included), for persistence and inspection. */
  entry (key: string): StoredEntry | undefined {
    return this.entries.get(key)
  }

  /** Every stored key (tombstoned ones included), sorted. */
  keys (): string[] {
    return [...this.entries.keys()].sort(compareStrings)
  }

  get size (): number {
    return this.entries.size
  }

  /** The summary clock: for each node n, all of n's events up to clock()[n] are reflected here. */
  clock (): VectorClock {
    return clockToJSON(this.summary)
  }

  /** The latest HLC issued or observed. */
  lastHlc (): Hlc {
    return this.hlc.current()
  }

  /** Everything an adapter persists besides the entries. */
  meta (): ReplicaMeta {
    const pending: Record<string, number[]> = {}
    for (const node of [...this.pending.keys()].sort(compareStrings)) {
      const set = this.pending.get(node) as Set<number>
      if (set.size > 0) pending[node] = [...set].sort((a, b) => a - b)
    }
    return { nodeId: this.nodeId, seq: this.seq, summary: this.clock(), pending, floor: clockToJSON(this.floor), hlc: this.hlc.current() }
  }

  stats (): ReplicaStats {
    return { ...this.counters, resolutions: { ...this.resolutions } }
  }

  /**
   * A digest of the state for comparing replicas: SHA-256 over every entry in canonical form, by key.
   * By default entries with nothing live (only tombstones) are left out, since collection removes them at
   * different times on different replicas; `includeDeleted` digests them too. A context is digested
   * relative to the stability floor (what every member has seen need not be spelled out), so replicas that
   * hold the same data and have collected up to the same point have equal checksums.
   */
  checksum (options: { includeDeleted?: boolean } = {}): string {
    const includeDeleted = options.includeDeleted === true
    const entries = this.entries
    const floor = this.floor
    function * lines (keys: readonly string[]): Generator<string> {
      for (const key of keys) {
        const e = entries.get(key) as StoredEntry
        if (!includeDeleted && !hasLive(e)) continue
        yield encodeEntry(key, e.kind === 'register' ? { ...e, context: contextAboveFloor(e, floor) } : e)
      }
    }
    return sha256OfLines(lines(this.keys()))
  }

  // ---------------------------------------------------------------- replication

  /**
   * Joins a remote delta. With `nowMs`, a delta whose HLC is more than maxDriftMs ahead is refused.
   * A delta announcing an event advances the summary when it fills the next gap.
   */
  applyDelta (delta: Delta, options: { nowMs?: number } = {}): ApplyResult {
    if (!verifyDelta(delta)) {
      this.counters.rejectedChecksum++
      return { status: 'rejected-checksum', key: delta.key, changed: false }
    }
    let newest = delta.hlc
    if (delta.kind === 'register') for (const v of delta.versions) newest = maxHlc(newest, v.hlc)
    if (options.nowMs !== undefined && newest.wallMs - options.nowMs > this.hlc.maxDriftMs) {
      this.counters.rejectedClockDrift++
      return { status: 'rejected-clock-drift', key: delta.key, changed: false }
    }
    this.hlc.observe(newest)

    const before = this.entries.get(delta.key)
    const { status, entry } = delta.kind === 'register' ? this.joinRegister(delta, before) : this.joinCrdt(delta, before)
    const changed = entry !== before && (before === undefined || entry === undefined || !sameEntry(entry, before))
    if (changed && entry !== undefined) this.entries.set(delta.key, entry)
    if (delta.event !== undefined) this.observe(delta.event)
    const finalStatus: ApplyStatus = changed
      ? (status === 'duplicate' || status === 'obsolete' ? 'applied' : status)
      : (status === 'duplicate' ? 'duplicate' : 'obsolete')
    this.count(finalStatus)
    return { status: finalStatus, key: delta.key, changed }
  }

  /** Anti-entropy, responder side: the current entry of every key that `since` does not cover. */
  getUpdatesSince (since: VectorClock): UpdateBatch {
    const clock = this.clock()
    return { origin: this.nodeId, since: clockToJSON(since), clock, deltas: [...this.updatesSince(since)] }
  }

  /**
   * `getUpdatesSince` one delta at a time, for answers sent in pages: the keys are those stored when the iteration
   * starts, each signed when reached (its entry as it is then, which covers at least what it held at the start). An
   * answer built this way stays complete for the summary `clock()` taken before the iteration starts.
   */
  * updatesSince (since: VectorClock): Generator<Delta> {
    for (const key of this.keys()) {
      const e = this.entries.get(key)
      if (e === undefined) continue
      if (e.kind === 'register') {
        if (clockLeq(e.context, since)) continue
        const hlc = e.versions.reduce<Hlc | null>((m, v) => m === null ? v.hlc : maxHlc(m, v.hlc), null) ?? this.hlc.current()
        yield signDelta({ kind: 'register', key, origin: this.nodeId, hlc, versions: e.versions, context: this.outgoingContext(e) })
      } else {
        if (clockLeq(e.top, since)) continue
        yield signDelta({
          kind: 'crdt',
          key,
          origin: this.nodeId,
          hlc: e.hlc ?? this.hlc.current(),
          crdtType: e.crdtType,
          state: e.state,
          top: e.top
        })
      }
    }
  }

  /**
   * Anti-entropy, caller side: applies every delta of a batch obtained with `getUpdatesSince(this.clock())`
   * (or any `since` this replica's summary covers). When none was rejected, the summary advances to include
   * the responder's summary.
   */
  applyUpdates (batch: UpdateBatch, options: { nowMs?: number } = {}): ApplyUpdatesResult {
    const results = batch.deltas.map(d => this.applyDelta(d, options))
    const complete = results.every(r => r.status !== 'rejected-checksum' && r.status !== 'rejected-clock-drift')
    if (!complete || !clockLeq(batch.since, this.summary)) return { results, clockAdvanced: false }
    for (const [node, counter] of Object.entries(batch.clock)) {
      if (counter > counterOf(this.summary, node)) this.summary[node] = counter
    }
    // Never reissue an event number that another replica has seen from this node (a restore from an old copy).
    if (counterOf(this.summary, this.nodeId) > this.seq) this.seq = counterOf(this.summary, this.nodeId)
    for (const node of this.pending.keys()) this.advance(node)
    return { results, clockAdvanced: true }
  }

  /**
   * Tombstone collection by causal stability. `acks` holds each member's latest acknowledged summary
   * (its `clock()`); `members` is the current membership (this node always counts). A tombstone goes only
   * when (1) every member's acknowledgement covers the key's context, so every member has seen the delete,
   * and (2) this replica has seen every event each member had issued when it acknowledged, so no write
   * concurrent with the delete can still arrive here. Nothing is collected while a member has not
   * acknowledged. Returns the keys removed (entries holding only tombstones); the adapter deletes them.
   * A tombstone sibling of a live value stays until a later write supersedes it (it may decide the value).
   */
  collectGarbage (acks: Readonly<Record<string, VectorClock>>, members: readonly string[]): string[] {
    const clocks: VectorClock[] = [this.clock()]
    for (const m of members) {
      if (m === this.nodeId) continue
      const ack = acks[m]
      if (ack === undefined) return []
      if (counterOf(ack, m) > counterOf(this.summary, m)) return []
      clocks.push(ack)
    }
    this.floor = mergeClocks(this.floor, meetClocks(clocks))
    const removed: string[] = []
    for (const key of this.keys()) {
      const e = this.entries.get(key) as StoredEntry
      if (e.kind === 'register' && !hasLive(e) && clockLeq(e.context, this.floor)) {
        this.entries.delete(key)
        this.counters.tombstonesCollected++
        removed.push(key)
      }
    }
    return removed
  }

  // ---------------------------------------------------------------- reset-to-known-good

  /**
   * Reset-to-known-good for one key: joins `delta` (a peer's current entry of the key, as its `getUpdatesSince`
   * answers) and then, unless this replica already resolves the key to the peer's value and holds no version
   * the peer lacks, writes the peer's value (a tombstone when the peer has none) with a context covering both
   * sides. That write supersedes every version of either side, so every replica converges on the peer's value.
   * Not reset (only joined): CRDT keys (a join cannot take effects back) and keep-siblings keys on which the
   * peer holds several live siblings (one write cannot recreate them); `outcome` says which case applied.
   */
  adoptDelta (delta: Delta, nowMs: number): AdoptOutcome {
    const result = this.applyDelta(delta, { nowMs })
    if (result.status === 'rejected-checksum' || result.status === 'rejected-clock-drift') return { result, outcome: 'refused' }
    const entry = this.entries.get(delta.key)
    if (delta.kind !== 'register' || entry === undefined || entry.kind !== 'register') return { result, outcome: 'merged' }
    const resolver = this.resolvers.resolverFor(delta.key)
    const theirs = resolver.resolve(delta.versions)
    let value: JsonValue | undefined
    if (theirs.present) {
      if (resolver.name === 'keep-siblings') {
        const live = delta.versions.filter(v => !v.deleted)
        if (live.length !== 1) return { result, outcome: 'merged' }
        value = (live[0] as Version).value
      } else {
        value = theirs.value
      }
    }
    const peerDots = new Set(delta.versions.map(v => dotKey(v.dot)))
    const ours = resolver.resolve(entry.versions)
    const sameValue = !ours.present
      ? value === undefined
      : value !== undefined && jsonEqual(ours.value, theirs.present ? theirs.value : null)
    if (sameValue && entry.versions.every(v => peerDots.has(dotKey(v.dot)))) return { result, outcome: 'kept' }
    const correction = value === undefined
      ? this.writeRegister(delta.key, null, true, nowMs, entry.context)
      : this.writeRegister(delta.key, cloneJson(value), false, nowMs, entry.context)
    return { result, outcome: 'reset', correction }
  }

  /**
   * Reset-to-known-good for the keys a peer does not hold: deletes (with a context covering every version here)
   * each plain key with a live value that is not in `peerKeys`, leaving alone keys with a version newer than
   * `unchangedSince` (written here or received while the adoption ran). Returns the deltas to gossip, and the
   * CRDT keys left as they are (a CRDT key cannot be deleted).
   */
  adoptAbsence (peerKeys: ReadonlySet<string>, unchangedSince: Hlc, nowMs: number): { deltas: RegisterDelta[], crdtKept: string[] } {
    const deltas: RegisterDelta[] = []
    const crdtKept: string[] = []
    for (const key of this.keys()) {
      if (peerKeys.has(key)) continue
      const e = this.entries.get(key) as StoredEntry
      if (e.kind === 'crdt') {
        crdtKept.push(key)
        continue
      }
      if (!hasLive(e) || e.versions.some(v => compareHlc(v.hlc, unchangedSince) > 0)) continue
      deltas.push(this.writeRegister(key, null, true, nowMs, e.context))
    }
    return { deltas, crdtKept }
  }

  // ---------------------------------------------------------------- internals

  private writeRegister (key: string, value: JsonValue, deleted: boolean, nowMs: number, seen?: VectorClock): RegisterDelta {
    const existing = this.entries.get(key)
    if (existing?.kind === 'crdt') throw new CrdtTypeMismatchError(`key ${JSON.stringify(key)} holds a ${existing.crdtType}; use its CRDT operations`)
    const hlc = this.hlc.now(nowMs)
    const event = this.nextEvent()
    const version: Version = { dot: event, hlc, value, deleted }
    // A write also supersedes every tombstone present, even one its (possibly stale) context missed, so
    // that a deleted version never comes back as a sibling after collection has removed it elsewhere.
    const set: VersionSet = existing === undefined
      ? { versions: [], context: {} }
      : { versions: existing.versions.filter(v => !v.deleted), context: existing.context }
    const written = writeVersion(set, version, seen ?? set.context)
    const resolver = this.resolvers.resolverFor(key)
    // Over the cap, this write also supersedes the oldest versions it has seen; receivers drop them too.
    const excess = written.versions.length - resolver.maxVersions
    const others = written.versions.filter(v => v !== version)
    const superseded = excess > 0 ? new Set(others.slice(0, excess)) : new Set<Version>()
    this.counters.siblingsDropped += superseded.size
    const kept = written.versions.filter(v => !superseded.has(v))
    const entry: RegisterEntry = { kind: 'register', versions: resolver.compact(kept), context: written.context }
    this.entries.set(key, entry)
    return signDelta({ kind: 'register', key, origin: this.nodeId, hlc, event, versions: entry.versions, context: this.outgoingContext(entry) }) as RegisterDelta
  }

  /**
   * The context sent with a register entry: its own plus the stability floor, which every member has seen.
   * Without the floor, a replica that collected a tombstone and then wrote the key afresh would send a
   * context that does not cover the tombstone, and a replica still holding it would keep it as a sibling.
   */
  private outgoingContext (e: RegisterEntry): VectorClock {
    return mergeClocks(e.context, this.floor)
  }

  private joinRegister (delta: RegisterDelta, before: StoredEntry | undefined): { status: ApplyStatus, entry: StoredEntry | undefined } {
    if (before !== undefined && before.kind !== 'register') {
      // A CRDT outranks a plain value written concurrently under the same key.
      return { status: 'obsolete', entry: before }
    }
    if (before === undefined) return this.joinNewRegister(delta)
    const local: VersionSet = before
    const localDots = new Set(local.versions.map(v => dotKey(v.dot)))
    // Versions every member has seen and this replica no longer holds were superseded or collected here.
    const incoming: VersionSet = {
      versions: delta.versions.filter(v => localDots.has(dotKey(v.dot)) || !coversDot(this.floor, v.dot)),
      context: delta.context
    }
    const merged = mergeVersionSets(local, incoming)
    const fresh = merged.versions.filter(v => !localDots.has(dotKey(v.dot)))
    const concurrent = fresh.length > 0 && merged.versions.length > fresh.length
    const resolver = this.resolvers.resolverFor(delta.key)
    const entry: RegisterEntry = { kind: 'register', versions: resolver.compact(merged.versions), context: merged.context }
    if (concurrent) this.resolutions[resolver.name] = (this.resolutions[resolver.name] ?? 0) + 1
    const alreadyHad = delta.versions.every(v => localDots.has(dotKey(v.dot))) && clockLeq(delta.context, local.context)
    return { status: concurrent ? 'conflict-resolved' : alreadyHad ? 'duplicate' : 'applied', entry }
  }

  /** joinRegister for a key not stored here: the delta's versions that the stability floor does not rule out. */
  private joinNewRegister (delta: RegisterDelta): { status: ApplyStatus, entry: StoredEntry | undefined } {
    const versions = delta.versions.filter(v => !coversDot(this.floor, v.dot))
    const context = normalizeClock(delta.context)
    if (versions.length === 0 && clockLeq(context, this.floor)) return { status: 'obsolete', entry: undefined }
    if (versions.length > 1) versions.sort(compareVersions)
    const entry: RegisterEntry = { kind: 'register', versions: this.resolvers.resolverFor(delta.key).compact(versions), context }
    const alreadyHad = delta.versions.length === 0 && Object.keys(context).length === 0
    return { status: alreadyHad ? 'duplicate' : 'applied', entry }
  }

  private joinCrdt (delta: CrdtDelta, before: StoredEntry | undefined): { status: ApplyStatus, entry: StoredEntry | undefined } {
    const incomingRank = kindRank(delta)
    if (before !== undefined && kindRank(before) > incomingRank) return { status: 'obsolete', entry: before }
    const def = crdtDefinition(delta.crdtType)
    const incomingState = def.toJSON(def.fromJSON(delta.state))
    if (before === undefined || kindRank(before) < incomingRank) {
      if (before !== undefined) this.counters.typeConflicts++
      const entry: CrdtEntry = {
        kind: 'crdt',
        crdtType: delta.crdtType,
        state: incomingState,
        top: delta.top,
        hlc: delta.hlc
      }
      return { status: before === undefined ? 'applied' : 'conflict-resolved', entry }
    }
    const local = before as CrdtEntry
    const entry: CrdtEntry = {
      kind: 'crdt',
      crdtType: local.crdtType,
      state: joinCrdtJSON(local.crdtType, local.state, incomingState),
      top: mergeClocks(local.top, delta.top),
      hlc: local.hlc === null ? delta.hlc : maxHlc(local.hlc, delta.hlc)
    }
    const order = clockLeq(delta.top, local.top) ? 'covered' : clockLeq(local.top, delta.top) ? 'newer' : 'concurrent'
    if (order === 'concurrent') this.resolutions.crdt = (this.resolutions.crdt ?? 0) + 1
    return { status: order === 'covered' ? 'duplicate' : order === 'concurrent' ? 'conflict-resolved' : 'applied', entry }
  }

  private count (status: ApplyStatus): void {
    switch (status) {
      case 'applied': this.counters.applied++; break
      case 'conflict-resolved': this.counters.conflictResolved++; break
      case 'duplicate': this.counters.duplicate++; break
      case 'obsolete': this.counters.obsolete++; break
      default: break
    }
  }

  private nextEvent (): Dot {
    this.seq++
    this.summary[this.nodeId] = Math.max(counterOf(this.summary, this.nodeId), this.seq)
    return { node: this.nodeId, counter: this.seq }
  }

  /** Records that the effect of `event` is in the state; the summary advances over contiguous events. */
  private observe (event: Dot): void {
    if (event.counter <= counterOf(this.summary, event.node)) return
    let set = this.pending.get(event.node)
    if (set === undefined) {
      set = new Set()
      this.pending.set(event.node, set)
    }
    set.add(event.counter)
    this.advance(event.node)
    if (set.size > this.maxPending) set.clear()
  }

  private advance (node: string): void {
    const set = this.pending.get(node)
    if (set === undefined) return
    let at = counterOf(this.summary, node)
    for (const c of set) if (c <= at) set.delete(c)
    while (set.has(at + 1)) {
      at++
      set.delete(at)
    }
    if (at > counterOf(this.summary, node)) this.summary[node] = at
    if (set.size === 0) this.pending.delete(node)
  }

  /** After a restore: make sure no later local event reuses a dot already present in the entries. */
  private observeEntryClocks (entry: StoredEntry): void {
    const own = counterOf(entry.kind === 'register' ? entry.context : entry.top, this.nodeId)
    if (own > this.seq) this.seq = own
    if (own > counterOf(this.summary, this.nodeId)) this.summary[this.nodeId] = own
    if (entry.kind === 'register') for (const v of entry.versions) this.hlc.observe(v.hlc)
    else if (entry.hlc !== null) this.hlc.observe(entry.hlc)
  }
}
