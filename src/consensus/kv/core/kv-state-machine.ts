import { createHash } from 'node:crypto'
import { ByteReader, ByteWriter, fromByteString, isUint, toByteString } from './bytes.js'
import { validateKvCommand } from './codec.js'
import { AlreadyAppliedError, MalformedSnapshotError } from './errors.js'
import type {
  KvCommand, KvDeleteCommand, KvEntry, KvEvent, KvFailure, KvListing, KvLockAcquireCommand,
  KvLockRefreshCommand, KvLockReleaseCommand, KvPutCommand, KvResult, KvSuccess, LockHolder
} from './types.js'

export { decodeKvCommand, encodeKvCommand, validateKvCommand, KV_COMMAND_FORMAT_VERSION } from './codec.js'
export { AlreadyAppliedError, MalformedCommandError, MalformedSnapshotError } from './errors.js'
export type * from './types.js'

export const KV_SNAPSHOT_FORMAT_VERSION = 1
/** Length prefixes and the three revision numbers of a key in a snapshot, about. */
const SNAPSHOT_KEY_OVERHEAD_BYTES = 12
/** Room for the header, the locks and keys longer in UTF-8 than in chars, before the buffer has to grow. */
const SNAPSHOT_SLACK_BYTES = 4096

/** A key's entry as held: the value as a byte string (`toByteString`); with 100-byte values a key then takes about 690 bytes of RSS instead of 1,040. */
type StoredKvEntry = Omit<KvEntry, 'value'> & { value: string }

/** Lock lease with its name, as listed by `KvStateMachine.locks()`. */
export interface NamedLockHolder extends LockHolder {
  name: string
}

function snapshotFail (reason: string): MalformedSnapshotError {
  return new MalformedSnapshotError(`malformed key-value snapshot: ${reason}`)
}

/** Index of the first element of the ascending `sorted` that is >= `key`. */
function lowerBound (sorted: readonly string[], key: string): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((sorted[mid] as string) < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * The deterministic replicated key-value store that Raft applies committed entries to (etcd-style
 * revisions plus lease locks with fencing tokens).
 *
 * Contract:
 * - Pure and deterministic: the state after a sequence of `apply` calls depends only on the
 *   (index, command) sequence. No clock is read; lock expiry uses the `now` carried in the command.
 * - `apply(index, cmd)` requires `index > appliedIndex` (gaps are allowed, for log entries that are
 *   not key-value commands). An index at or below `appliedIndex` throws `AlreadyAppliedError` and
 *   changes nothing: that entry's effect is already in the state (for example after a restore from
 *   a snapshot). A malformed command object throws `MalformedCommandError` and changes nothing.
 * - A command that fails its precondition (a `KvFailure` result) mutates nothing except
 *   `appliedIndex`, which it advances like any applied entry.
 * - `revision` is a store-wide counter incremented by one for each successful mutation (put, delete,
 *   lock grant, lock refresh, lock release); `noop` and failures leave it unchanged.
 * - A lock grant's fencing token is the store revision it created, so tokens strictly increase.
 * - Keys sort by JavaScript string order (UTF-16 code units).
 * - Equal states give byte-equal `snapshot()`s, and `restore(snapshot())` reproduces the state,
 *   `appliedIndex` included.
 * - Values are copied on the way in and out: callers cannot alter the stored state by mutating
 *   a `Uint8Array` they passed in or got back.
 */
export class KvStateMachine {
  private entries = new Map<string, StoredKvEntry>()
  /** About the size of `snapshot()` (sized for ASCII keys), so that it is written into one buffer of that size. */
  private snapshotBytesGuess = 0
  /** Ascending; may still hold keys deleted since the last merge (`keyIndex()` drops them). */
  private sortedKeys: string[] = []
  /** Keys created since the last merge, in no order: a put stays O(1) however many keys there are. */
  private addedKeys: string[] = []
  private deletedSinceMerge = 0
  private lockTable = new Map<string, LockHolder>()
  private currentRevision = 0
  private lastApplied = 0

  /** Restores a machine from `snapshot()` bytes; throws `MalformedSnapshotError` on invalid bytes. */
  static restore (bytes: Uint8Array): KvStateMachine {
    const machine = new KvStateMachine()
    machine.restore(bytes)
    return machine
  }

  /** The store revision: the number of successful mutations so far. */
  get revision (): number {
    return this.currentRevision
  }

  /** The log index of the last applied entry (0 before any). */
  get appliedIndex (): number {
    return this.lastApplied
  }

  /** The number of keys stored. */
  get size (): number {
    return this.entries.size
  }

  /**
   * Applies the command of log entry `index`. A put's event carries the command's own `value` (not a copy): hand in
   * commands whose bytes nobody changes afterwards, as `decodeKvCommand` returns them.
   */
  apply (index: number, cmd: KvCommand): KvResult {
    if (!isUint(index)) throw new RangeError(`log index must be a non-negative safe integer, got ${index}`)
    if (index <= this.lastApplied) throw new AlreadyAppliedError(index, this.lastApplied)
    validateKvCommand(cmd)
    let result: KvResult
    switch (cmd.op) {
      case 'put': result = this.applyPut(cmd); break
      case 'delete': result = this.applyDelete(cmd); break
      case 'lock-acquire': result = this.applyLockAcquire(cmd); break
      case 'lock-release': result = this.applyLockRelease(cmd); break
      case 'lock-refresh': result = this.applyLockRefresh(cmd); break
      case 'noop': result = this.success([]); break
    }
    this.lastApplied = index
    return result
  }

  get (key: string): KvEntry | undefined {
    const entry = this.entries.get(key)
    return entry === undefined ? undefined : { ...entry, value: fromByteString(entry.value) }
  }

  /** Keys starting with `prefix` (all keys for ''), ascending. */
  list (prefix: string = ''): KvListing[] {
    const out: KvListing[] = []
    const keys = this.keyIndex()
    for (let i = lowerBound(keys, prefix); i < keys.length; i++) {
      const key = keys[i] as string
      if (!key.startsWith(prefix)) break
      out.push({ key, modRevision: (this.entries.get(key) as StoredKvEntry).modRevision })
    }
    return out
  }

  /**
   * The lease recorded for lock `name`, or undefined when none. A lease stays recorded after it
   * expires until it is released or taken over; compare `expiresAt` with your clock.
   */
  lock (name: string): LockHolder | undefined {
    const holder = this.lockTable.get(name)
    return holder === undefined ? undefined : { ...holder }
  }

  /** Every recorded lease (expired ones included), ascending by name. */
  locks (): NamedLockHolder[] {
    return [...this.lockTable.keys()].sort().map((name) => ({ name, ...(this.lockTable.get(name) as LockHolder) }))
  }

  /**
   * The whole state (appliedIndex, revision, keys, locks) as canonical bytes: equal states give
   * equal bytes. Layout (integers unsigned LEB128, strings UTF-8, length-prefixed): version (1 byte),
   * appliedIndex, revision, key count, per key ascending [key, value, createRevision, modRevision,
   * version], lock count, per lock ascending by name [name, owner, token, expiresAt].
   */
  snapshot (): Uint8Array {
    const w = new ByteWriter(this.snapshotBytesGuess + SNAPSHOT_SLACK_BYTES).byte(KV_SNAPSHOT_FORMAT_VERSION)
    const keys = this.keyIndex()
    w.uint(this.lastApplied).uint(this.currentRevision).uint(keys.length)
    for (const key of keys) {
      const e = this.entries.get(key) as StoredKvEntry
      w.string(key).byteString(e.value).uint(e.createRevision).uint(e.modRevision).uint(e.version)
    }
    const names = [...this.lockTable.keys()].sort()
    w.uint(names.length)
    for (const name of names) {
      const l = this.lockTable.get(name) as LockHolder
      w.string(name).string(l.owner).uint(l.token).uint(l.expiresAt)
    }
    return w.finish()
  }

  /**
   * Replaces this machine's whole state with a snapshot's. Throws `MalformedSnapshotError` (leaving
   * the state unchanged) unless `bytes` is exactly a snapshot this class could have produced.
   */
  restore (bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw snapshotFail('input is not a Uint8Array')
    const r = new ByteReader(bytes, snapshotFail)
    const version = r.byte()
    if (version !== KV_SNAPSHOT_FORMAT_VERSION) throw snapshotFail(`unsupported format version ${version}`)
    const appliedIndex = r.uint()
    const revision = r.uint()
    const keyCount = r.uint()
    const entries = new Map<string, StoredKvEntry>()
    const sortedKeys: string[] = []
    for (let i = 0; i < keyCount; i++) {
      const key = r.string()
      const value = r.byteString()
      const createRevision = r.uint()
      const modRevision = r.uint()
      const keyVersion = r.uint()
      const previous = sortedKeys[sortedKeys.length - 1]
      if (previous !== undefined && !(previous < key)) throw snapshotFail('keys not strictly ascending')
      if (createRevision < 1 || createRevision > modRevision || modRevision > revision) throw snapshotFail(`impossible revisions for key ${JSON.stringify(key)}`)
      if (keyVersion < 1 || keyVersion > modRevision - createRevision + 1) throw snapshotFail(`impossible version for key ${JSON.stringify(key)}`)
      sortedKeys.push(key)
      entries.set(key, { value, createRevision, modRevision, version: keyVersion })
    }
    const lockCount = r.uint()
    const lockTable = new Map<string, LockHolder>()
    let previousName: string | undefined
    for (let i = 0; i < lockCount; i++) {
      const name = r.string()
      const owner = r.string()
      const token = r.uint()
      const expiresAt = r.uint()
      if (previousName !== undefined && !(previousName < name)) throw snapshotFail('lock names not strictly ascending')
      if (token < 1 || token > revision) throw snapshotFail(`impossible token for lock ${JSON.stringify(name)}`)
      previousName = name
      lockTable.set(name, { owner, token, expiresAt })
    }
    r.end()
    this.entries = entries
    this.snapshotBytesGuess = bytes.length
    this.sortedKeys = sortedKeys
    this.addedKeys = []
    this.deletedSinceMerge = 0
    this.lockTable = lockTable
    this.currentRevision = revision
    this.lastApplied = appliedIndex
  }

  /** sha256 (hex) of `snapshot()`: equal for replicas in equal states. */
  digest (): string {
    return createHash('sha256').update(this.snapshot()).digest('hex')
  }

  /** Every live key, ascending: merges the keys created and drops those deleted since the last call. */
  private keyIndex (): string[] {
    if (this.addedKeys.length === 0 && this.deletedSinceMerge === 0) return this.sortedKeys
    const sorted = this.sortedKeys
    const added = this.addedKeys.sort()
    const merged: string[] = []
    let i = 0
    let j = 0
    while (i < sorted.length || j < added.length) {
      const a = sorted[i]
      const b = added[j]
      let key: string
      if (b === undefined || (a !== undefined && a < b)) { key = a as string; i++ } else { key = b; j++ }
      // A key deleted and created again is in both lists; a key created and deleted since is not live.
      if (this.entries.has(key) && merged[merged.length - 1] !== key) merged.push(key)
    }
    this.sortedKeys = merged
    this.addedKeys = []
    this.deletedSinceMerge = 0
    return merged
  }

  private success (events: KvEvent[], lock?: LockHolder): KvSuccess {
    return lock === undefined
      ? { ok: true, revision: this.currentRevision, events }
      : { ok: true, revision: this.currentRevision, events, lock: { ...lock } }
  }

  private failure (error: KvFailure['error'], extra: Pick<KvFailure, 'currentRevision' | 'holder'> = {}): KvFailure {
    return { ok: false, error, revision: this.currentRevision, ...extra }
  }

  private applyPut (cmd: KvPutCommand): KvResult {
    const existing = this.entries.get(cmd.key)
    const current = existing?.modRevision ?? 0
    if (cmd.ifRevision !== undefined && cmd.ifRevision !== current) {
      return this.failure('RevisionMismatch', { currentRevision: current })
    }
    const revision = ++this.currentRevision
    const value = toByteString(cmd.value)
    if (existing === undefined) {
      this.entries.set(cmd.key, { value, createRevision: revision, modRevision: revision, version: 1 })
      this.addedKeys.push(cmd.key)
      this.snapshotBytesGuess += cmd.key.length + value.length + SNAPSHOT_KEY_OVERHEAD_BYTES
    } else {
      this.entries.set(cmd.key, { value, createRevision: existing.createRevision, modRevision: revision, version: existing.version + 1 })
      this.snapshotBytesGuess += value.length - existing.value.length
    }
    return this.success([{ type: 'put', key: cmd.key, value: cmd.value, revision }])
  }

  /** Checks `ifRevision` first (an absent key has revision 0), then absence (`NotFound`). */
  private applyDelete (cmd: KvDeleteCommand): KvResult {
    const existing = this.entries.get(cmd.key)
    const current = existing?.modRevision ?? 0
    if (cmd.ifRevision !== undefined && cmd.ifRevision !== current) {
      return this.failure('RevisionMismatch', { currentRevision: current })
    }
    if (existing === undefined) return this.failure('NotFound')
    const revision = ++this.currentRevision
    this.entries.delete(cmd.key)
    this.snapshotBytesGuess -= cmd.key.length + existing.value.length + SNAPSHOT_KEY_OVERHEAD_BYTES
    this.deletedSinceMerge++
    return this.success([{ type: 'delete', key: cmd.key, revision }])
  }

  /**
   * Grants when the lock is free, expired (`now >= expiresAt`), or held by the same owner (a
   * re-acquire is a fresh grant: new token, new expiry, the old token becomes invalid).
   */
  private applyLockAcquire (cmd: KvLockAcquireCommand): KvResult {
    const existing = this.lockTable.get(cmd.name)
    if (existing !== undefined && existing.owner !== cmd.owner && cmd.now < existing.expiresAt) {
      return this.failure('LockHeld', { holder: { ...existing } })
    }
    const token = ++this.currentRevision
    const holder: LockHolder = { owner: cmd.owner, token, expiresAt: cmd.now + cmd.ttlMs }
    this.lockTable.set(cmd.name, holder)
    return this.success([], holder)
  }

  /** `NotFound` when no lease is recorded; `InvalidToken` when the token is not the current one. */
  private applyLockRelease (cmd: KvLockReleaseCommand): KvResult {
    const existing = this.lockTable.get(cmd.name)
    if (existing === undefined) return this.failure('NotFound')
    if (existing.token !== cmd.token) return this.failure('InvalidToken')
    ++this.currentRevision
    this.lockTable.delete(cmd.name)
    return this.success([])
  }

  /**
   * `NotFound` when no lease is recorded; `InvalidToken` when the token is not the current one or
   * the lease has expired at `now` (an expired holder must acquire again).
   */
  private applyLockRefresh (cmd: KvLockRefreshCommand): KvResult {
    const existing = this.lockTable.get(cmd.name)
    if (existing === undefined) return this.failure('NotFound')
    if (existing.token !== cmd.token || cmd.now >= existing.expiresAt) return this.failure('InvalidToken')
    ++this.currentRevision
    const holder: LockHolder = { owner: existing.owner, token: existing.token, expiresAt: cmd.now + cmd.ttlMs }
    this.lockTable.set(cmd.name, holder)
    return this.success([], holder)
  }
}
