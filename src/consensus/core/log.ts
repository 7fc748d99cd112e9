/**
 * The Raft log as the core sees it: a snapshot (the compacted prefix) followed by every entry
 * since, all in memory. Tracks which entries are durable (`stableIndex`), committed, handed to the
 * application (`delivered`) and applied, and the membership in force at the end of the log.
 */
import { cloneConf, decodeConfChangeRecord, emptyConf } from './conf.js'
import { RaftInvariantError } from './errors.js'
import type { ConfState, Entry, Snapshot } from './types.js'

export class RaftLog {
  /** The latest snapshot (index 0 / term 0 / empty conf when none). */
  snapshot: Snapshot
  /** Entries snapshot.metadata.index + 1 .. lastIndex. */
  private entries: Entry[] = []
  /** Last index known durable. */
  stableIndex: number
  committed: number
  /** Last index handed to the application in a Ready. */
  delivered: number
  /** Last index the application confirmed applied (via advance). */
  applied: number
  /** A snapshot received from the leader, not yet handed out in a Ready. */
  pendingSnapshot: Snapshot | undefined
  /** Membership of the latest conf-change entry in the log (or of the snapshot). */
  conf: ConfState
  /** Index of that conf-change entry (or the snapshot index). */
  lastConfIndex: number

  constructor (snapshot?: Snapshot) {
    this.snapshot = snapshot ?? { metadata: { index: 0, term: 0, conf: emptyConf() }, data: new Uint8Array(0) }
    const index = this.snapshot.metadata.index
    this.stableIndex = index
    this.committed = index
    this.delivered = index
    this.applied = index
    this.conf = cloneConf(this.snapshot.metadata.conf)
    this.lastConfIndex = index
  }

  get snapshotIndex (): number { return this.snapshot.metadata.index }
  get snapshotTerm (): number { return this.snapshot.metadata.term }
  get firstIndex (): number { return this.snapshotIndex + 1 }
  get lastIndex (): number { return this.snapshotIndex + this.entries.length }
  get lastTerm (): number { return this.term(this.lastIndex) as number }

  /** Term of the entry at `index`; undefined when compacted away or beyond the end. */
  term (index: number): number | undefined {
    const offset = this.snapshotIndex
    if (index === offset) return this.snapshotTerm
    if (index < offset || index > this.lastIndex) return undefined
    return (this.entries[index - offset - 1] as Entry).term
  }

  matchTerm (index: number, term: number): boolean {
    return this.term(index) === term
  }

  entry (index: number): Entry | undefined {
    if (index <= this.snapshotIndex || index > this.lastIndex) return undefined
    return this.entries[index - this.snapshotIndex - 1]
  }

  /** Entries [lo, hi); undefined when lo is compacted away. */
  slice (lo: number, hi: number): Entry[] | undefined {
    if (lo <= this.snapshotIndex) return undefined
    const offset = this.snapshotIndex + 1
    return this.entries.slice(lo - offset, Math.max(lo, Math.min(hi, this.lastIndex + 1)) - offset)
  }

  /** Whether a log ending at (`lastIndex`, `lastTerm`) is at least as up to date as this one. */
  isUpToDate (lastIndex: number, lastTerm: number): boolean {
    return lastTerm > this.lastTerm || (lastTerm === this.lastTerm && lastIndex >= this.lastIndex)
  }

  /** Index of the first entry of `entries` that conflicts with (or extends) this log; 0 if none. */
  findConflict (entries: readonly Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index
    }
    return 0
  }

  /**
   * The last index <= `index` whose term is <= `term`, with that term: the best match guess for a
   * leader whose log has `term` at `index`.
   */
  findConflictByTerm (index: number, term: number): { index: number, term: number } {
    let i = Math.min(index, this.lastIndex)
    while (i > this.snapshotIndex && (this.term(i) as number) > term) i--
    return { index: i, term: this.term(i) ?? 0 }
  }

  /**
   * Appends `entries` (contiguous, starting at most at lastIndex + 1), first dropping any entries
   * from entries[0].index on. Never drops committed entries.
   */
  append (entries: readonly Entry[]): void {
    if (entries.length === 0) return
    const first = (entries[0] as Entry).index
    if (first <= this.committed) throw new RaftInvariantError(`cannot overwrite committed entry ${first} (commit ${this.committed})`)
    if (first > this.lastIndex + 1) throw new RaftInvariantError(`gap: appending ${first} after ${this.lastIndex}`)
    if (first <= this.lastIndex) {
      this.entries.length = first - this.snapshotIndex - 1
      this.stableIndex = Math.min(this.stableIndex, first - 1)
      if (this.lastConfIndex >= first) this.recomputeConf()
    }
    for (const e of entries) {
      this.entries.push(e)
      if (e.type === 'conf-change') {
        this.conf = cloneConf(decodeConfChangeRecord(e.data).conf)
        this.lastConfIndex = e.index
      }
    }
  }

  /**
   * Appends leader-sent `entries` that follow (`prevIndex`, `prevTerm`), resolving conflicts.
   * Returns the last index now known to match the leader, or undefined when the log does not
   * contain (`prevIndex`, `prevTerm`).
   */
  maybeAppend (prevIndex: number, prevTerm: number, leaderCommit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined
    const lastNew = prevIndex + entries.length
    const conflict = this.findConflict(entries)
    if (conflict !== 0) {
      if (conflict <= this.committed) throw new RaftInvariantError(`entry ${conflict} conflicts with committed entry (commit ${this.committed})`)
      this.append(entries.slice(conflict - prevIndex - 1))
    }
    this.commitTo(Math.min(leaderCommit, lastNew))
    return lastNew
  }

  commitTo (index: number): void {
    if (index > this.committed) {
      if (index > this.lastIndex) throw new RaftInvariantError(`commit ${index} beyond last index ${this.lastIndex}`)
      this.committed = index
    }
  }

  /** Entries not yet handed out as durable work. */
  unstableEntries (): Entry[] {
    return this.entries.slice(this.stableIndex - this.snapshotIndex)
  }

  /** Records that entries up to (`index`, `term`) are durable, unless that entry was replaced since. */
  stableTo (index: number, term: number): void {
    if (this.matchTerm(index, term) && index > this.stableIndex) this.stableIndex = index
  }

  /** Committed entries not yet handed out to the application. */
  undeliveredCommitted (): Entry[] {
    if (this.committed <= this.delivered) return []
    return this.slice(this.delivered + 1, this.committed + 1) as Entry[]
  }

  /** The membership in force at `index` (which must be >= the snapshot index). */
  confAt (index: number): ConfState {
    let conf = this.snapshot.metadata.conf
    const end = Math.min(index, this.lastIndex)
    for (let i = this.snapshotIndex + 1; i <= end; i++) {
      const e = this.entries[i - this.snapshotIndex - 1] as Entry
      if (e.type === 'conf-change') conf = decodeConfChangeRecord(e.data).conf
    }
    return cloneConf(conf)
  }

  private recomputeConf (): void {
    this.conf = this.confAt(this.lastIndex)
    this.lastConfIndex = this.snapshotIndex
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i] as Entry
      if (e.type === 'conf-change') { this.lastConfIndex = e.index; break }
    }
  }

  /** Replaces the whole log by a snapshot received from the leader. */
  restore (snapshot: Snapshot): void {
    this.snapshot = snapshot
    this.entries = []
    const index = snapshot.metadata.index
    this.stableIndex = index
    this.committed = index
    this.delivered = index
    this.pendingSnapshot = snapshot
    this.conf = cloneConf(snapshot.metadata.conf)
    this.lastConfIndex = index
  }

  /** Drops entries up to `index` (<= applied), keeping `data` as the snapshot at `index`. */
  compact (index: number, data: Uint8Array): Snapshot {
    const term = this.term(index) as number
    const conf = this.confAt(index)
    this.entries = this.entries.slice(index - this.snapshotIndex)
    this.snapshot = { metadata: { index, term, conf }, data }
    return this.snapshot
  }

  /** Loads persisted entries after a restart (entries covered by the snapshot are skipped). */
  loadEntries (entries: readonly Entry[]): void {
    let expected = this.lastIndex + 1
    for (const e of entries) {
      if (e.index <= this.snapshotIndex) continue
      if (e.index !== expected) throw new RaftInvariantError(`restored entries are not contiguous at ${e.index}`)
      this.entries.push(e)
      expected++
    }
    this.stableIndex = this.lastIndex
    this.recomputeConf()
  }
}
