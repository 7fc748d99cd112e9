/**
 * `LevelRaftStorage`: the storage ports on LevelDB (classic-level), in `<dataDir>/raft`.
 *
 * Layout: `e` + 8-byte big-endian index → an encoded entry; `h` → the hard state; `s` → the
 * snapshot metadata; `d` → the snapshot data. Every `persist()` is one LevelDB write batch (synced unless
 * the batch says `sync: false`),
 * so a crash keeps either all of a Ready's state or none of it (LevelDB drops a torn batch when it
 * replays its journal). `load()` also tolerates a gap after a torn write from another tool: it keeps
 * the contiguous prefix after the snapshot and deletes the rest.
 *
 * Reads are served from an in-memory mirror (`MemoryRaftStorage`) filled by `load()`; `open()`
 * must be awaited before any other call.
 */
import { ClassicLevel } from 'classic-level'
import { decodeEntry, decodeHardState, decodeMetadata, encodeEntry, encodeHardState, encodeMetadata } from './codec.js'
import { MemoryRaftStorage } from './memory.js'
import type { Entry, RestoredState, Snapshot } from '../core/index.js'
import type { PersistBatch } from '../ports.js'

type Op = { type: 'put', key: Uint8Array, value: Uint8Array } | { type: 'del', key: Uint8Array }

const HARD_STATE_KEY = new Uint8Array([0x68])
const SNAPSHOT_META_KEY = new Uint8Array([0x73])
const SNAPSHOT_DATA_KEY = new Uint8Array([0x64])
const ENTRY_PREFIX = 0x65

export function entryKey (index: number): Uint8Array {
  const key = new Uint8Array(9)
  key[0] = ENTRY_PREFIX
  // Big-endian, so that keys sort by index.
  let rest = index
  for (let i = 8; i >= 1; i--) {
    key[i] = rest % 256
    rest = Math.floor(rest / 256)
  }
  return key
}

function indexOfKey (key: Uint8Array): number {
  return Number(new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(1))
}

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
  /** Background deletion of compacted entries (see dropCompacted). */
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
    const stale: Op[] = []
    let expected = this.snapshotIndex + 1
    let broken = false
    for await (const [key, value] of this.db.iterator({ gte: entryKey(0), lte: entryKey(Number.MAX_SAFE_INTEGER) })) {
      const index = indexOfKey(key)
      if (index < expected || broken) { stale.push({ type: 'del', key }); continue }
      if (index !== expected) { broken = true; stale.push({ type: 'del', key }); continue }
      this.log.push(decodeEntry(value))
      expected++
    }
    if (stale.length > 0) await this.db.batch(stale, { sync: this.sync })
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
    let dropFrom = 0
    let dropTo = -1
    try {
      const first = this.firstIndex()
      const last = this.lastIndex()
      if (batch.snapshot !== undefined) {
        for (let i = first; i <= last; i++) ops.del(entryKey(i))
        putSnapshot(ops, batch.snapshot)
      }
      const entries: Entry[] = batch.entries ?? []
      const head = entries[0]
      if (head !== undefined) {
        const storedLast = batch.snapshot !== undefined ? batch.snapshot.metadata.index : last
        const newLast = head.index + entries.length - 1
        for (let i = Math.max(newLast + 1, head.index); i <= storedLast; i++) ops.del(entryKey(i))
        for (const e of entries) ops.put(entryKey(e.index), encodeEntry(e))
      }
      if (batch.hardState !== undefined) ops.put(HARD_STATE_KEY, encodeHardState(batch.hardState))
      const compacted = batch.compactedTo
      if (compacted !== undefined && compacted.metadata.index > (batch.snapshot?.metadata.index ?? this.snapshotIndex)) {
        putSnapshot(ops, compacted)
        dropFrom = batch.snapshot !== undefined ? batch.snapshot.metadata.index + 1 : first
        dropTo = compacted.metadata.index
      }
    } catch (err) {
      await ops.close()
      throw err
    }
    if (ops.length > 0) await ops.write({ sync: this.sync && batch.sync !== false })
    else await ops.close()
    this.applyBatch(batch)
    if (dropTo >= dropFrom) this.dropCompacted(dropFrom, dropTo)
  }

  /**
   * Deletes the entries a snapshot now covers, in the background and in native code (one range delete, not a key
   * each). Not atomic with the snapshot, and need not be: entries below the snapshot left by a crash are deleted when
   * the log is next opened.
   */
  private dropCompacted (from: number, to: number): void {
    this.dropping = this.dropping
      .then(async () => { await this.db.clear({ gte: entryKey(from), lte: entryKey(to) }) })
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
