import { MemorySyncStore } from '../anti-entropy/memory-store.js'
import type { Fingerprint, KeyRange, KeyVersion, SyncEntry, SyncStore } from '../anti-entropy/types.js'
import { InvalidOwnerError, InvalidStateValueError, StateValueTooLargeError } from './types.js'
import type { ChangeOrigin, GossipUpdate, JsonValue, StateChange } from './types.js'

export interface GossipStateViewOptions {
  /** Largest encoded (JSON, UTF-8) value accepted, locally or from peers. Default 64 KiB. */
  maxValueBytes?: number
}

export const GOSSIP_STATE_DEFAULTS = Object.freeze({ maxValueBytes: 64 * 1024 })

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })
const PAYLOAD_VALUE = 0
const PAYLOAD_TOMBSTONE = 1

interface Held {
  version: number
  deleted: boolean
  value: JsonValue | undefined
}

/**
 * Anti-entropy keyspace of gossip state: `<owner>/<key>` (owners are peer ids, which contain no '/'), version
 * = 8-byte big-endian update version, payload = one flag byte (0 value, 1 tombstone) then the value's JSON.
 */
export function toSyncEntry (update: GossipUpdate): SyncEntry {
  const version = new Uint8Array(8)
  new DataView(version.buffer).setBigUint64(0, BigInt(update.version))
  const json = update.deleted ? new Uint8Array(0) : encoder.encode(JSON.stringify(update.value))
  const payload = new Uint8Array(json.length + 1)
  payload[0] = update.deleted ? PAYLOAD_TOMBSTONE : PAYLOAD_VALUE
  payload.set(json, 1)
  return { key: `${update.owner}/${update.key}`, version, payload }
}

/** The inverse of `toSyncEntry`; undefined for malformed entries. */
export function fromSyncEntry (entry: SyncEntry): GossipUpdate | undefined {
  const slash = entry.key.indexOf('/')
  if (slash <= 0 || entry.version.length !== 8 || entry.payload.length < 1) return undefined
  const version = Number(new DataView(entry.version.buffer, entry.version.byteOffset, 8).getBigUint64(0))
  if (!Number.isSafeInteger(version)) return undefined
  const owner = entry.key.slice(0, slash)
  const key = entry.key.slice(slash + 1)
  const flag = entry.payload[0]
  if (flag === PAYLOAD_TOMBSTONE) return entry.payload.length === 1 ? { owner, key, version, deleted: true } : undefined
  if (flag !== PAYLOAD_VALUE) return undefined
  try {
    return { owner, key, version, deleted: false, value: parsePayload(entry) }
  } catch {
    return undefined
  }
}

function checkOwner (owner: string): void {
  if (owner.length === 0 || owner.includes('/')) throw new InvalidOwnerError(`owner id must be non-empty and contain no '/': ${JSON.stringify(owner)}`)
}

function parsePayload (entry: SyncEntry): JsonValue {
  return JSON.parse(decoder.decode(entry.payload.subarray(1))) as JsonValue
}

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}

/**
 * This node's view of the mesh's gossip state, `{ [owner]: { [key]: value } }`.
 *
 * Contract: a node writes only its own keys (`update`, `delete`); a remote update is accepted iff its version is
 * greater than the held one for that (owner, key), so duplicates and reordered deliveries are dropped and all
 * views converge to each key's newest write. Every accepted change is queued for `takeChanges()`. The view is
 * also a `SyncStore` (`syncStore`), so anti-entropy reconciles it; entries it accepts that way are changes too.
 * Tombstones are kept (so a deletion wins over the older value everywhere). Values the view returns are frozen.
 */
export class GossipStateView {
  readonly self: string
  /** The anti-entropy port of this view. */
  readonly syncStore: SyncStore
  private readonly maxValueBytes: number
  private readonly entries: MemorySyncStore
  private readonly owners = new Map<string, Map<string, Held>>()
  private changes: StateChange[] = []
  private clock = 0

  constructor (self: string, options: GossipStateViewOptions = {}) {
    checkOwner(self)
    this.self = self
    this.maxValueBytes = options.maxValueBytes ?? GOSSIP_STATE_DEFAULTS.maxValueBytes
    // Writes go through accept(), which enforces "newer version wins", so the store's own rule is never consulted.
    this.entries = new MemorySyncStore()
    const entries = this.entries
    this.syncStore = {
      fingerprint: (range: KeyRange): Fingerprint => entries.fingerprint(range),
      versions: (range: KeyRange): Iterable<KeyVersion> => entries.versions(range),
      keyAt: (range: KeyRange, offset: number): string | undefined => entries.keyAt(range, offset),
      get: (key: string): SyncEntry | undefined => entries.get(key),
      apply: (entry: SyncEntry): boolean => {
        const update = fromSyncEntry(entry)
        return update !== undefined && this.accept(update, 'sync', entry)
      }
    }
  }

  /**
   * Sets this node's `key`. The version is the node's clock + 1, or `now` when larger (pass wall-clock ms so a
   * restarted node that lost its clock still writes newer versions). Returns the update to publish.
   */
  update (key: string, value: JsonValue, now = 0): GossipUpdate {
    this.checkValue(value)
    return this.writeLocal({ owner: this.self, key, version: this.nextVersion(now), deleted: false, value })
  }

  /** Deletes this node's `key` (a tombstone). Returns the update to publish. */
  delete (key: string, now = 0): GossipUpdate {
    return this.writeLocal({ owner: this.self, key, version: this.nextVersion(now), deleted: true })
  }

  /** Applies an update received from a peer; true iff it was newer than what this view held. */
  applyRemote (update: GossipUpdate): boolean {
    if (typeof update.owner !== 'string' || update.owner.length === 0 || update.owner.includes('/')) return false
    if (typeof update.key !== 'string' || !Number.isSafeInteger(update.version) || update.version < 0) return false
    if (!update.deleted) {
      try { this.checkValue(update.value) } catch { return false }
    }
    return this.accept(update, 'remote')
  }

  /** The value of (owner, key), undefined when absent or deleted. */
  get (owner: string, key: string): JsonValue | undefined {
    return this.owners.get(owner)?.get(key)?.value
  }

  /** The held version of (owner, key) including tombstones; 0 when unknown. */
  versionOf (owner: string, key: string): number {
    return this.owners.get(owner)?.get(key)?.version ?? 0
  }

  /** The whole view without tombstones: `{ [owner]: { [key]: value } }`. */
  snapshot (): Record<string, Record<string, JsonValue>> {
    const out: Record<string, Record<string, JsonValue>> = {}
    for (const [owner, keys] of this.owners) {
      const values: Record<string, JsonValue> = {}
      let any = false
      for (const [key, held] of keys) {
        if (!held.deleted) { values[key] = held.value as JsonValue; any = true }
      }
      if (any) out[owner] = values
    }
    return out
  }

  /** Changes accepted since the last call, oldest first. */
  takeChanges (): StateChange[] {
    const out = this.changes
    this.changes = []
    return out
  }

  /** Entries held, tombstones included. */
  get size (): number {
    return this.entries.size
  }

  private nextVersion (now: number): number {
    this.clock = Math.max(this.clock + 1, Math.floor(now))
    return this.clock
  }

  private writeLocal (update: GossipUpdate): GossipUpdate {
    this.accept(update, 'local')
    if (update.deleted) return update
    // Publish the view's own frozen copy, so later mutation of the caller's object changes neither.
    return { ...update, value: this.get(update.owner, update.key) }
  }

  private checkValue (value: unknown): void {
    let json: string | undefined
    try {
      json = JSON.stringify(value)
    } catch (err) {
      throw new InvalidStateValueError(`value is not JSON-serialisable: ${(err as Error).message}`)
    }
    if (json === undefined) throw new InvalidStateValueError('value is not JSON-serialisable')
    const bytes = encoder.encode(json).length
    if (bytes > this.maxValueBytes) throw new StateValueTooLargeError(`value is ${bytes} bytes, limit ${this.maxValueBytes}`)
  }

  private accept (update: GossipUpdate, origin: ChangeOrigin, entry?: SyncEntry): boolean {
    let keys = this.owners.get(update.owner)
    const held = keys?.get(update.key)
    if (held !== undefined && update.version <= held.version) return false
    const syncEntry = entry ?? toSyncEntry(update)
    if (origin === 'sync' && syncEntry.payload.length - 1 > this.maxValueBytes) return false
    this.entries.set(syncEntry)
    if (keys === undefined) {
      keys = new Map()
      this.owners.set(update.owner, keys)
    }
    // The view holds a frozen copy decoded from the entry's bytes: exactly what peers receive, and immutable.
    const value = update.deleted ? undefined : deepFreeze(origin === 'sync' ? update.value : parsePayload(syncEntry))
    keys.set(update.key, { version: update.version, deleted: update.deleted, value })
    // Our own older writes coming back (e.g. after a restart) move the clock past them.
    if (update.owner === this.self) this.clock = Math.max(this.clock, update.version)
    this.changes.push({
      owner: update.owner,
      key: update.key,
      version: update.version,
      value,
      previous: held?.deleted === false ? held.value : undefined,
      origin
    })
    return true
  }
}
