/**
 * `MemoryRaftStorage`: the storage ports in memory (tests, simulations, and the in-memory mirror
 * the durable storage keeps). `persist` applies a batch synchronously and atomically.
 */
import type { Entry, HardState, RestoredState, Snapshot } from '../core/index.js'
import type { PersistBatch, RaftStorage, SnapshotReader } from '../ports.js'

export class StorageClosedError extends Error {
  override name = 'StorageClosedError'
}

/** A batch that would leave a gap or otherwise a log the core cannot load. */
export class InvalidPersistBatchError extends Error {
  override name = 'InvalidPersistBatchError'
}

export class MemoryRaftStorage implements RaftStorage {
  protected snap: Snapshot | undefined
  /** Entries snapshotIndex + 1 .. lastIndex. */
  protected log: Entry[] = []
  protected hs: HardState = { term: 0, vote: '', commit: 0 }
  protected closed = false

  protected get snapshotIndex (): number {
    return this.snap?.metadata.index ?? 0
  }

  firstIndex (): number {
    return this.snapshotIndex + 1
  }

  lastIndex (): number {
    return this.snapshotIndex + this.log.length
  }

  async term (index: number): Promise<number | undefined> {
    return this.termSync(index)
  }

  protected termSync (index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snap?.metadata.term ?? 0
    if (index < this.snapshotIndex || index > this.lastIndex()) return undefined
    return this.log[index - this.snapshotIndex - 1]?.term
  }

  async entries (lo: number, hi: number): Promise<Entry[]> {
    const from = Math.max(lo, this.firstIndex())
    const to = Math.min(hi, this.lastIndex() + 1)
    if (to <= from) return []
    return this.log.slice(from - this.firstIndex(), to - this.firstIndex())
  }

  hardState (): HardState {
    return { ...this.hs }
  }

  latest (): Snapshot | undefined {
    return this.snap
  }

  openSnapshot (): SnapshotReader | undefined {
    const snap = this.snap
    if (snap === undefined) return undefined
    return {
      metadata: snap.metadata,
      size: snap.data.length,
      read: (offset, length) => snap.data.subarray(offset, Math.min(snap.data.length, offset + length))
    }
  }

  async load (): Promise<RestoredState> {
    this.assertOpen()
    const out: RestoredState = { hardState: this.hardState(), entries: this.log.slice() }
    if (this.snap !== undefined) out.snapshot = this.snap
    return out
  }

  async persist (batch: PersistBatch): Promise<void> {
    this.assertOpen()
    this.check(batch)
    this.applyBatch(batch)
  }

  async close (): Promise<void> {
    this.closed = true
  }

  protected assertOpen (): void {
    if (this.closed) throw new StorageClosedError('the Raft storage is closed')
  }

  /** Throws InvalidPersistBatchError for a batch that would leave a gap in the log. */
  protected check (batch: PersistBatch): void {
    const base = batch.snapshot?.metadata.index ?? this.snapshotIndex
    const last = batch.snapshot !== undefined ? base : this.lastIndex()
    const first = batch.entries?.[0]
    if (first !== undefined) {
      if (first.index > last + 1) throw new InvalidPersistBatchError(`gap: entry ${first.index} after ${last}`)
      if (first.index <= base) throw new InvalidPersistBatchError(`entry ${first.index} is covered by the snapshot at ${base}`)
      for (let i = 1; i < (batch.entries as Entry[]).length; i++) {
        if ((batch.entries as Entry[])[i]?.index !== first.index + i) throw new InvalidPersistBatchError('entries are not contiguous')
      }
    }
  }

  /** Applies a checked batch to the in-memory state (the order of the persistence contract). */
  protected applyBatch (batch: PersistBatch): void {
    if (batch.snapshot !== undefined) {
      this.snap = batch.snapshot
      this.log = []
    }
    const entries = batch.entries ?? []
    const first = entries[0]
    if (first !== undefined) {
      this.log.length = first.index - this.firstIndex()
      for (const e of entries) this.log.push(e)
    }
    if (batch.hardState !== undefined) this.hs = { ...batch.hardState }
    const compacted = batch.compactedTo
    if (compacted !== undefined && compacted.metadata.index > this.snapshotIndex) {
      const drop = Math.min(this.log.length, compacted.metadata.index - this.snapshotIndex)
      this.log = this.log.slice(drop)
      this.snap = compacted
    }
  }
}
