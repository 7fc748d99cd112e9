/**
 * The persistence port of a replica (in the style of hashicorp/raft's stores): what `ReplicaStore` needs to make a
 * `ReplicaState` durable, with an in-memory implementation beside the LevelDB one.
 *
 * Contract:
 * - `load()` returns what the last completed `commit` left (undefined for a store never committed to).
 * - `commit(batch)` is atomic: after a crash either the whole batch is visible or none of it. When it resolves
 *   the batch is durable (for LevelDB: one synced write batch), unless `batch.sync` is false: then it is durable once
 *   a later synced commit resolves.
 * - Entries are JSON values (`entryToJSON` of the core); the store never interprets them.
 */
import type { JsonValue, ReplicaMeta } from '../core/index.js'

export interface PersistedReplica {
  readonly meta: ReplicaMeta
  readonly entries: ReadonlyArray<readonly [string, JsonValue]>
}

export interface CommitBatch {
  /** Entries to write (key → `entryToJSON(entry)`). */
  readonly puts: ReadonlyArray<readonly [string, JsonValue]>
  /** Keys to remove (collected tombstones). */
  readonly dels: readonly string[]
  /** The replica's meta after the changes in this batch. */
  readonly meta: ReplicaMeta
  /**
   * False for a batch that a later one in the same flush will make durable: it need not reach the disk itself (a
   * synced write makes every earlier write durable too). @default true
   */
  readonly sync?: boolean
}

export interface ReplicaPersistence {
  /** Opens the underlying storage (idempotent). */
  open(): Promise<void>
  load(): Promise<PersistedReplica | undefined>
  commit(batch: CommitBatch): Promise<void>
  close(): Promise<void>
  /** Bytes written by commits since open (values and keys), for statistics. */
  readonly bytesWritten: number
}

/**
 * Persistence in memory: survives closing and reopening a `ReplicaStore` over the same instance (a "restart" in
 * tests), not the process. Records are kept as JSON text so a reload parses them exactly like LevelDB's.
 */
export class MemoryReplicaPersistence implements ReplicaPersistence {
  private readonly records = new Map<string, string>()
  private meta?: string
  private written = 0

  get bytesWritten (): number {
    return this.written
  }

  /** Number of persisted entries. */
  get size (): number {
    return this.records.size
  }

  async open (): Promise<void> {}

  async load (): Promise<PersistedReplica | undefined> {
    if (this.meta === undefined) return undefined
    const entries: Array<readonly [string, JsonValue]> = []
    for (const [key, text] of this.records) entries.push([key, JSON.parse(text) as JsonValue])
    return { meta: JSON.parse(this.meta) as ReplicaMeta, entries }
  }

  async commit (batch: CommitBatch): Promise<void> {
    // Build everything first so that a failure (an unencodable value) leaves the store untouched.
    const puts = batch.puts.map(([k, v]) => [k, JSON.stringify(v)] as const)
    const meta = JSON.stringify(batch.meta)
    for (const [k, text] of puts) {
      this.records.set(k, text)
      this.written += k.length + text.length
    }
    for (const k of batch.dels) this.records.delete(k)
    this.meta = meta
    this.written += meta.length
  }

  async close (): Promise<void> {}
}
