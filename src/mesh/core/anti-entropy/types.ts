/**
 * Types of the anti-entropy protocol: the keyspace model, the `SyncStore` port and the session messages.
 *
 * Keys are ordered by JavaScript string comparison (UTF-16 code units); both sides must use that order.
 */

/** Half-open key range `[lower, upper)`; `upper === null` means "to the end of the keyspace". */
export interface KeyRange {
  lower: string
  upper: string | null
}

/** The whole keyspace. */
export const FULL_RANGE: Readonly<KeyRange> = Object.freeze({ lower: '', upper: null })

/** Summary of a range: how many entries it holds and the XOR of their entry hashes (16 bytes). */
export interface Fingerprint {
  count: number
  hash: Uint8Array
}

/** A key with its version digest (changes whenever the entry changes). */
export interface KeyVersion {
  key: string
  version: Uint8Array
}

/** One entry of the keyspace. `payload` is opaque to the protocol; deletions are entries too (tombstones). */
export interface SyncEntry extends KeyVersion {
  payload: Uint8Array
}

/**
 * The store a sync session reads and a driver writes into.
 *
 * Contract:
 * - `fingerprint(range)` equals `fingerprintOf` over the entries of `range` (see hash.ts); an implementation may
 *   maintain it incrementally and should answer in about O(log n).
 * - `versions(range)` yields the range's keys in ascending order with their current versions.
 * - `keyAt(range, offset)` is the key at position `offset` (0-based) among the range's keys, ascending.
 * - `apply(entry)` merges an incoming entry by the store's own rule and reports whether the store changed.
 *   The rule must be deterministic and commutative (both replicas pick the same winner), or syncing two stores
 *   cannot make them equal. The anti-entropy core never resolves conflicts itself.
 */
export interface SyncStore {
  fingerprint: (range: KeyRange) => Fingerprint
  versions: (range: KeyRange) => Iterable<KeyVersion>
  keyAt: (range: KeyRange, offset: number) => string | undefined
  get: (key: string) => SyncEntry | undefined
  apply: (entry: SyncEntry) => boolean
}

/** "Here is my summary of this range": the receiver compares it with its own. */
export interface FingerprintRange {
  kind: 'fingerprint'
  range: KeyRange
  fingerprint: Fingerprint
}

/** "These are all my keys in this range": the receiver sends what differs and asks for what it lacks. */
export interface ItemsRange {
  kind: 'items'
  range: KeyRange
  items: KeyVersion[]
}

export type RangeMessage = FingerprintRange | ItemsRange

/**
 * One message of a session. A side's reply to the other's turn may span several messages; the last one
 * has `endOfTurn: true`. Entries travel with any message.
 */
export interface SyncMessage {
  ranges: RangeMessage[]
  /** Keys the sender wants the receiver's entries for. */
  wants: string[]
  entries: SyncEntry[]
  endOfTurn: boolean
}

/** The outcome of one step of a session. */
export interface SyncStep {
  /** Send these, in order. */
  send: SyncMessage[]
  /** Apply these to the local store (via `SyncStore.apply`), in any order. */
  apply: SyncEntry[]
  /** True once this side has nothing more to send or expect. */
  done: boolean
}

/** Counters a session keeps; bytes are counted only when the session was given a `measure` function. */
export interface SyncStats {
  /** End-of-turn markers sent plus received: the number of one-way trips the session took. */
  turns: number
  messagesSent: number
  messagesReceived: number
  bytesSent: number
  bytesReceived: number
  /** Entries (repairs) sent to the peer. */
  entriesSent: number
  /** Entries (repairs) received from the peer, before the store's merge decides. */
  entriesReceived: number
  /** Keys asked of the peer. */
  keysWanted: number
  fingerprintsSent: number
  itemListsSent: number
}

export class SyncProtocolError extends Error {
  override name = 'SyncProtocolError'
}

export class SessionClosedError extends Error {
  override name = 'SessionClosedError'
}
