import { bytesEqual, utf8Length } from './hash.js'
import {
  FULL_RANGE, SessionClosedError, SyncProtocolError
} from './types.js'
import type {
  Fingerprint, KeyRange, KeyVersion, RangeMessage, SyncEntry, SyncMessage, SyncStats, SyncStep, SyncStore
} from './types.js'

export interface SyncSessionOptions {
  /** Sub-ranges a differing range is split into. Default 8. */
  branching?: number
  /** A range with at most this many keys is sent as an explicit key/version list. Default 16; at least `branching`. */
  itemThreshold?: number
  /** Soft limit on a message's size, estimated from its contents (a larger single entry travels alone). Default 64 KiB. */
  maxMessageBytes?: number
  /** Limit on entries, wants and listed keys per message together. Default 1024. A key list is never split, so a
   * message exceeds this only when `itemThreshold` does. */
  maxItemsPerMessage?: number
  /** Turns (both directions) after which the session gives up with `SyncProtocolError`. Default 200; an honest
   * session needs about 2 * log_branching(keys / itemThreshold) + 4. */
  maxTurns?: number
  /** Encoded size of a message, for the byte counters in `stats()` (e.g. the codec's `encodedSize`). */
  measure?: (message: SyncMessage) => number
}

export const SYNC_DEFAULTS = Object.freeze({
  branching: 8,
  itemThreshold: 16,
  maxMessageBytes: 64 * 1024,
  maxItemsPerMessage: 1024,
  maxTurns: 200
})

/** Rough protobuf size estimates used only for message budgeting. */
function boundsSize (range: KeyRange): number {
  return utf8Length(range.lower) + (range.upper === null ? 0 : utf8Length(range.upper)) + 6
}

function entrySize (entry: SyncEntry): number {
  return utf8Length(entry.key) + entry.version.length + entry.payload.length + 12
}

function rangeSize (range: RangeMessage): number {
  if (range.kind === 'fingerprint') return boundsSize(range.range) + range.fingerprint.hash.length + 10
  let size = boundsSize(range.range) + 4
  for (const item of range.items) size += utf8Length(item.key) + item.version.length + 6
  return size
}

function emptyMessage (): SyncMessage {
  return { ranges: [], wants: [], entries: [], endOfTurn: false }
}

/** Splits a turn's output into bounded messages as it is produced. */
class Outbox {
  private readonly ready: SyncMessage[] = []
  private current = emptyMessage()
  private bytes = 0
  private items = 0

  constructor (private readonly maxBytes: number, private readonly maxItems: number) {}

  addRange (range: RangeMessage): void {
    this.make(rangeSize(range), range.kind === 'items' ? Math.max(1, range.items.length) : 1)
    this.current.ranges.push(range)
  }

  addWant (key: string): void {
    this.make(utf8Length(key) + 3, 1)
    this.current.wants.push(key)
  }

  addEntry (entry: SyncEntry): void {
    this.make(entrySize(entry), 1)
    this.current.entries.push(entry)
  }

  /** Messages that are full and may be sent now. */
  takeReady (): SyncMessage[] {
    return this.ready.splice(0)
  }

  /** Everything, the last message marked as the end of the turn. */
  endTurn (): SyncMessage[] {
    this.current.endOfTurn = true
    this.ready.push(this.current)
    this.current = emptyMessage()
    this.bytes = 0
    this.items = 0
    return this.ready.splice(0)
  }

  private make (bytes: number, items: number): void {
    const nonEmpty = this.items > 0
    if (nonEmpty && (this.bytes + bytes > this.maxBytes || this.items + items > this.maxItems)) {
      this.ready.push(this.current)
      this.current = emptyMessage()
      this.bytes = 0
      this.items = 0
    }
    this.bytes += bytes
    this.items += items
  }
}

/**
 * The shortest prefix of `key` that sorts after `previous` (given previous < key), cut only between whole
 * code points so it survives UTF-8 encoding. Used as a split bound: it separates the same keys, in fewer bytes.
 */
export function shortestSeparator (previous: string, key: string): string {
  for (let len = 1; len < key.length; len++) {
    const last = key.charCodeAt(len - 1)
    if (last >= 0xd800 && last <= 0xdbff) continue
    const prefix = key.slice(0, len)
    if (prefix > previous) return prefix
  }
  return key
}

/**
 * One side of an anti-entropy session (the protocol is symmetric; the initiator calls `start()`, the responder
 * begins with `receive()`). Pure: it reads the store, never writes it, and performs no IO.
 *
 * Protocol: sides take turns. A turn answers every range of the peer's previous turn: a range whose fingerprint
 * matches is dropped; a differing range is split into `branching` sub-ranges by this side's keys (each sent as a
 * fingerprint), or, when this side holds at most `itemThreshold` keys in it, listed as keys with versions. A listed
 * range is answered with the entries the lister lacks or holds in another version, plus a want for every key the
 * lister has that this side lacks or holds in another version; wants are answered with entries. A turn without
 * ranges or wants ends the session. Each turn re-derives from the store's current state, so an interrupted session
 * restarted later moves only the differences still left.
 *
 * Messages may be sent as soon as they are returned; the driver delivers each side's messages in order and hands
 * every returned entry to `SyncStore.apply`. The options are local choices: the two sides need not agree on them.
 */
export class SyncSession {
  private readonly store: SyncStore
  private readonly branching: number
  private readonly itemThreshold: number
  private readonly maxTurns: number
  private readonly measure: ((message: SyncMessage) => number) | undefined
  private readonly outbox: Outbox
  private phase: 'new' | 'active' | 'done' = 'new'
  private incomingHasWork = false
  private outgoingHasWork = false
  private readonly counters: SyncStats = {
    turns: 0,
    messagesSent: 0,
    messagesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    entriesSent: 0,
    entriesReceived: 0,
    keysWanted: 0,
    fingerprintsSent: 0,
    itemListsSent: 0
  }

  constructor (store: SyncStore, options: SyncSessionOptions = {}) {
    this.store = store
    this.branching = options.branching ?? SYNC_DEFAULTS.branching
    this.itemThreshold = options.itemThreshold ?? Math.max(SYNC_DEFAULTS.itemThreshold, this.branching)
    const maxBytes = options.maxMessageBytes ?? SYNC_DEFAULTS.maxMessageBytes
    const maxItems = options.maxItemsPerMessage ?? SYNC_DEFAULTS.maxItemsPerMessage
    if (!Number.isInteger(this.branching) || this.branching < 2) throw new RangeError('branching must be an integer >= 2')
    if (!Number.isInteger(this.itemThreshold) || this.itemThreshold < this.branching) {
      throw new RangeError('itemThreshold must be an integer >= branching')
    }
    if (!(maxBytes > 0) || !(maxItems >= 1)) throw new RangeError('message limits must be positive')
    this.maxTurns = options.maxTurns ?? SYNC_DEFAULTS.maxTurns
    this.measure = options.measure
    this.outbox = new Outbox(maxBytes, maxItems)
  }

  get done (): boolean {
    return this.phase === 'done'
  }

  stats (): SyncStats {
    return { ...this.counters }
  }

  /** Opens the session (initiator side): describes the whole keyspace. */
  start (): SyncStep {
    if (this.phase !== 'new') throw new SyncProtocolError('session already started')
    this.phase = 'active'
    this.describe(FULL_RANGE, this.store.fingerprint(FULL_RANGE))
    return this.finishTurn([])
  }

  /** Handles one message of the peer. */
  receive (message: SyncMessage): SyncStep {
    if (this.phase === 'done') throw new SessionClosedError('session is done')
    this.phase = 'active'
    this.counters.messagesReceived++
    if (this.measure !== undefined) this.counters.bytesReceived += this.measure(message)
    for (const range of message.ranges) {
      this.incomingHasWork = true
      if (range.kind === 'fingerprint') this.onFingerprint(range.range, range.fingerprint)
      else this.onItems(range.range, range.items)
    }
    for (const key of message.wants) {
      this.incomingHasWork = true
      const entry = this.store.get(key)
      if (entry !== undefined) this.sendEntry(entry)
    }
    this.counters.entriesReceived += message.entries.length
    const apply = message.entries
    if (!message.endOfTurn) return { send: this.count(this.outbox.takeReady()), apply, done: false }
    this.countTurn()
    if (!this.incomingHasWork) {
      // The peer's turn asked nothing: it is done, so are we (nothing of ours can be pending).
      this.phase = 'done'
      return { send: this.count(this.outbox.takeReady()), apply, done: true }
    }
    this.incomingHasWork = false
    return this.finishTurn(apply)
  }

  private finishTurn (apply: SyncEntry[]): SyncStep {
    this.countTurn()
    const send = this.count(this.outbox.endTurn())
    if (!this.outgoingHasWork) this.phase = 'done'
    this.outgoingHasWork = false
    return { send, apply, done: this.phase === 'done' }
  }

  private countTurn (): void {
    if (this.counters.turns >= this.maxTurns) throw new SyncProtocolError(`session exceeded ${this.maxTurns} turns`)
    this.counters.turns++
  }

  private count (messages: SyncMessage[]): SyncMessage[] {
    this.counters.messagesSent += messages.length
    if (this.measure !== undefined) for (const m of messages) this.counters.bytesSent += this.measure(m)
    return messages
  }

  private onFingerprint (range: KeyRange, theirs: Fingerprint): void {
    const mine = this.store.fingerprint(range)
    if (mine.count === theirs.count && bytesEqual(mine.hash, theirs.hash)) return
    if (theirs.count === 0) {
      for (const { key } of this.store.versions(range)) {
        const entry = this.store.get(key)
        if (entry !== undefined) this.sendEntry(entry)
      }
      return
    }
    this.describe(range, mine)
  }

  private onItems (range: KeyRange, items: KeyVersion[]): void {
    const theirs = new Map<string, Uint8Array>()
    for (const item of items) theirs.set(item.key, item.version)
    for (const { key, version } of this.store.versions(range)) {
      const other = theirs.get(key)
      if (other !== undefined) {
        theirs.delete(key)
        if (bytesEqual(other, version)) continue
        this.want(key)
      }
      const entry = this.store.get(key)
      if (entry !== undefined) this.sendEntry(entry)
    }
    for (const key of theirs.keys()) this.want(key)
  }

  /** Describes this side's view of a range that differs: a key list when small, else fingerprints of sub-ranges. */
  private describe (range: KeyRange, mine: Fingerprint): void {
    this.outgoingHasWork = true
    if (mine.count <= this.itemThreshold) {
      const items: KeyVersion[] = []
      for (const { key, version } of this.store.versions(range)) items.push({ key, version })
      this.outbox.addRange({ kind: 'items', range, items })
      this.counters.itemListsSent++
      return
    }
    let lower = range.lower
    for (let i = 1; i <= this.branching; i++) {
      let upper: string | null = range.upper
      if (i < this.branching) {
        const index = Math.floor((i * mine.count) / this.branching)
        const key = this.store.keyAt(range, index)
        const previous = this.store.keyAt(range, index - 1)
        if (key === undefined || previous === undefined) throw new SyncProtocolError('store keyAt disagrees with its fingerprint count')
        upper = shortestSeparator(previous, key)
      }
      const sub: KeyRange = { lower, upper }
      this.outbox.addRange({ kind: 'fingerprint', range: sub, fingerprint: this.store.fingerprint(sub) })
      this.counters.fingerprintsSent++
      if (upper !== null) lower = upper
    }
  }

  private want (key: string): void {
    this.outgoingHasWork = true
    this.outbox.addWant(key)
    this.counters.keysWanted++
  }

  private sendEntry (entry: SyncEntry): void {
    this.outbox.addEntry(entry)
    this.counters.entriesSent++
  }
}
