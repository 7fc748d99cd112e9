/**
 * `LevelRaftStorage`: the storage ports on LevelDB (classic-level), in `<dataDir>/raft`.
 *
 * Layout: `r` + 8-byte big-endian index → a run: the consecutive entries one `persist()` wrote, from that index
 * (one record per Ready, so one put, and one delete after compaction, per Ready instead of per entry); `h` → the hard
 * state; `s` → the snapshot metadata; `d` → the snapshot data. `e` + index → one entry: the layout before runs, read
 * when the log is opened and rewritten as a run then.
 *
 * Runs never overlap: new entries that replace stored ones delete the runs from there on and rewrite the run they
 * cut into. The first run may start below the snapshot (its covered entries are ignored). Every `persist()` is one
 * LevelDB write batch (synced unless the batch says `sync: false`), so a crash keeps either all of a Ready's state or
 * none of it (LevelDB drops a torn batch when it replays its journal). `open()` also tolerates a hole after a torn
 * write from another tool: it keeps the contiguous prefix after the snapshot and deletes the rest.
 *
 * Reads are served from an in-memory mirror (`MemoryRaftStorage`) filled by `load()`; `open()`
 * must be awaited before any other call.
 */
import { ClassicLevel } from 'classic-level'
import { decodeEntry, decodeEntryRun, decodeHardState, decodeMetadata, encodeEntryRun, encodeHardState, encodeMetadata } from './codec.js'
import { MemoryRaftStorage } from './memory.js'
import type { Entry, RestoredState, Snapshot } from '../core/index.js'
import type { PersistBatch } from '../ports.js'

const HARD_STATE_KEY = new Uint8Array([0x68])
const SNAPSHOT_META_KEY = new Uint8Array([0x73])
const SNAPSHOT_DATA_KEY = new Uint8Array([0x64])
const RUN_PREFIX = 0x72
const LEGACY_ENTRY_PREFIX = 0x65

function indexKey (prefix: number, index: number): Uint8Array {
  const key = new Uint8Array(9)
  key[0] = prefix
  // Big-endian, so that keys sort by index.
  let rest = index
  for (let i = 8; i >= 1; i--) {
    key[i] = rest % 256
    rest = Math.floor(rest / 256)
  }
  return key
}

/** The key of the run whose first entry is `index`. */
export function runKey (index: number): Uint8Array {
  return indexKey(RUN_PREFIX, index)
}

/** The key of entry `index` in the layout before runs. */
export function legacyEntryKey (index: number): Uint8Array {
  return indexKey(LEGACY_ENTRY_PREFIX, index)
}

function indexOfKey (key: Uint8Array): number {
  return Number(new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(1))
}

interface StoredRecord { key: Uint8Array, first: number, entries: Entry[] }

export interface LevelRaftStorageInit {
  /** The LevelDB directory, e.g. `<dataDir>/raft`. */
  location: string
  /** fsync every batch (default true; false only for benchmarks that measure the difference). */
  sync?: boolean
}

export class LevelRaftStorage extends MemoryRaftStorage {
  private readonly db: ClassicLevel<Uint8Array, Uint8Array>
  private readonly sync: boolean
  private opened = false
  /** The first index of each run on disk, ascending; run i ends where run i + 1 starts (the last at lastIndex()). */
  private runs: number[] = []
  /** Background deletion of compacted runs (see dropRuns). */
  private dropping: Promise<void> = Promise.resolve()

  constructor (init: LevelRaftStorageInit) {
    super()
    // The log is read from memory (the mirror), so LevelDB's cache stays small; the write buffer bounds memory too.
    this.db = new ClassicLevel<Uint8Array, Uint8Array>(init.location, { keyEncoding: 'view', valueEncoding: 'view', cacheSize: 1024 * 1024, writeBufferSize: 2 * 1024 * 1024 })
    this.sync = init.sync ?? true
  }

  /** Opens the database and reads it into memory. */
  async open (): Promise<void> {
    if (this.opened) return
    await this.db.open()
    this.opened = true
    const hs = await this.db.get(HARD_STATE_KEY)
    if (hs !== undefined) this.hs = decodeHardState(hs)
    const meta = await this.db.get(SNAPSHOT_META_KEY)
    if (meta !== undefined) {
      const data = await this.db.get(SNAPSHOT_DATA_KEY) ?? new Uint8Array(0)
      this.snap = { metadata: decodeMetadata(meta), data }
    }
    const records: StoredRecord[] = []
    let legacy = false
    for await (const [key, value] of this.db.iterator({ gte: legacyEntryKey(0), lte: legacyEntryKey(Number.MAX_SAFE_INTEGER) })) {
      legacy = true
      records.push({ key, first: indexOfKey(key), entries: [decodeEntry(value)] })
    }
    for await (const [key, value] of this.db.iterator({ gte: runKey(0), lte: runKey(Number.MAX_SAFE_INTEGER) })) {
      const first = indexOfKey(key)
      records.push({ key, first, entries: decodeEntryRun(value, first) })
    }
    records.sort((a, b) => a.first - b.first)
    const stale: Uint8Array[] = []
    let expected = this.snapshotIndex + 1
    let broken = false
    for (const r of records) {
      const last = r.first + r.entries.length - 1
      // Wholly below the snapshot, after a hole, or overlapping the run before it: not part of the log.
      if (broken || last < expected || (r.first < expected && this.runs.length > 0)) { stale.push(r.key); continue }
      if (r.first > expected) { broken = true; stale.push(r.key); continue }
      for (let i = expected - r.first; i < r.entries.length; i++) this.log.push(r.entries[i] as Entry)
      expected = last + 1
      this.runs.push(r.first)
    }
    const ops = this.db.batch()
    // Written before runs existed: every record goes, and the whole log becomes one run.
    for (const key of legacy ? records.map(r => r.key) : stale) ops.del(key)
    if (legacy) {
      this.runs = []
      if (this.log.length > 0) {
        ops.put(runKey(this.firstIndex()), encodeEntryRun(this.log))
        this.runs.push(this.firstIndex())
      }
    }
    if (ops.length > 0) await ops.write({ sync: this.sync })
    else await ops.close()
  }

  override async load (): Promise<RestoredState> {
    await this.open()
    return await super.load()
  }

  override async persist (batch: PersistBatch): Promise<void> {
    this.assertOpen()
    this.check(batch)
    // A chained batch: one atomic write like the array form, without building, copying and validating an object per operation.
    const ops = this.db.batch()
    // `runs` is replaced, never changed, until the write succeeded; the common case only appends one run.
    let runs = this.runs
    let appended: number | undefined
    let dropped: number[] = []
    try {
      if (batch.snapshot !== undefined) {
        for (const first of runs) ops.del(runKey(first))
        runs = []
        putSnapshot(ops, batch.snapshot)
      }
      const entries: Entry[] = batch.entries ?? []
      const head = entries[0]
      if (head !== undefined) {
        const storedLast = batch.snapshot !== undefined ? batch.snapshot.metadata.index : this.lastIndex()
        if (head.index <= storedLast) runs = this.cutRunsAt(ops, runs, head.index, storedLast)
        ops.put(runKey(head.index), encodeEntryRun(entries))
        appended = head.index
      }
      if (batch.hardState !== undefined) ops.put(HARD_STATE_KEY, encodeHardState(batch.hardState))
      const compacted = batch.compactedTo
      if (compacted !== undefined && compacted.metadata.index > (batch.snapshot?.metadata.index ?? this.snapshotIndex)) {
        putSnapshot(ops, compacted)
        const all = appended !== undefined ? [...runs, appended] : runs
        const last = head !== undefined ? head.index + entries.length - 1 : (batch.snapshot?.metadata.index ?? this.lastIndex())
        let covered = 0
        while (covered < all.length && (covered + 1 < all.length ? (all[covered + 1] as number) - 1 : last) <= compacted.metadata.index) covered++
        dropped = all.slice(0, covered)
        runs = all.slice(covered)
        appended = undefined
      }
    } catch (err) {
      await ops.close()
      throw err
    }
    if (ops.length > 0) await ops.write({ sync: this.sync && batch.sync !== false })
    else await ops.close()
    this.runs = runs
    if (appended !== undefined) runs.push(appended)
    this.applyBatch(batch)
    if (dropped.length > 0) this.dropRuns(dropped)
  }

  /**
   * Before writing entries from `index` on (up to `storedLast` are stored): deletes the runs that start there or
   * later and rewrites the run that reaches past it to end just before it. Returns the runs that remain.
   */
  private cutRunsAt (ops: { put: (key: Uint8Array, value: Uint8Array) => unknown, del: (key: Uint8Array) => unknown }, runs: number[], index: number, storedLast: number): number[] {
    let keep = runs.length
    while (keep > 0 && (runs[keep - 1] as number) >= index) keep--
    for (let i = keep; i < runs.length; i++) ops.del(runKey(runs[i] as number))
    const kept = runs.slice(0, keep)
    const cut = kept[keep - 1]
    const cutEnd = keep < runs.length ? (runs[keep] as number) - 1 : storedLast
    if (cut === undefined || cutEnd < index) return kept
    ops.del(runKey(cut))
    kept.pop()
    const from = Math.max(cut, this.firstIndex())
    if (from < index) {
      ops.put(runKey(from), encodeEntryRun(this.log.slice(from - this.firstIndex(), index - this.firstIndex())))
      kept.push(from)
    }
    return kept
  }

  /**
   * Deletes runs that a snapshot now covers, in the background (a few keys: one per Ready). Not atomic with the
   * snapshot, and need not be: runs below the snapshot left by a crash are deleted when the log is next opened.
   */
  private dropRuns (firsts: number[]): void {
    this.dropping = this.dropping
      .then(async () => {
        const ops = this.db.batch()
        for (const first of firsts) ops.del(runKey(first))
        await ops.write()
      })
      .catch(() => { /* left for the next open */ })
  }

  override async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.dropping
    if (this.opened) await this.db.close()
  }
}

function putSnapshot (ops: { put: (key: Uint8Array, value: Uint8Array) => unknown }, snapshot: Snapshot): void {
  ops.put(SNAPSHOT_META_KEY, encodeMetadata(snapshot.metadata))
  ops.put(SNAPSHOT_DATA_KEY, snapshot.data)
}
