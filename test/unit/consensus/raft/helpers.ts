/**
 * An in-memory cluster for scenario tests: each node is a RaftCore, a memory "disk" (what the
 * driver persisted) and a list-of-strings state machine. Messages go through one queue that can
 * drop, cut links and isolate nodes. `stabilize()` runs the driver loop until nothing moves.
 */
import { RaftCore, decodeConfChangeRecord } from '../../../../src/consensus/core/index.js'
import type { Entry, HardState, Message, RaftConfig, ReadState, Ready, Snapshot } from '../../../../src/consensus/core/index.js'
import { seededRandom } from '../../../../src/util/pure/random.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

export const bytes = (s: string): Uint8Array => enc.encode(s)
export const text = (b: Uint8Array): string => dec.decode(b)

export interface Disk {
  hardState: HardState
  snapshot?: Snapshot
  entries: Entry[]
}

export interface TestNode {
  id: string
  core: RaftCore
  disk: Disk
  /** The state machine: data of applied non-empty normal entries. */
  applied: string[]
  appliedIndex: number
  readStates: ReadState[]
  /** Every Ready handed out, newest last (for assertions on messages and hard states). */
  readies: Ready[]
  crashed: boolean
}

export type ConfigOverrides = Partial<Omit<RaftConfig, 'id' | 'random'>>

export class TestCluster {
  readonly nodes = new Map<string, TestNode>()
  queue: Message[] = []
  private readonly cuts = new Set<string>()
  private readonly isolated = new Set<string>()
  /** Extra filter: return false to drop a message. */
  filter: ((m: Message) => boolean) | undefined
  /** Messages delivered so far, for assertions. */
  delivered: Message[] = []
  autoCompact = false
  private seed: number

  constructor (ids: string[], readonly overrides: ConfigOverrides = {}, seed = 1) {
    this.seed = seed
    for (const id of ids) this.addNode(id, { peers: ids })
  }

  private config (id: string, extra: ConfigOverrides): RaftConfig {
    return { id, random: seededRandom(this.seed++), ...this.overrides, ...extra }
  }

  /** Starts a node; `peers` empty means a node that waits to be added by the leader. */
  addNode (id: string, extra: ConfigOverrides = {}): TestNode {
    const node: TestNode = {
      id,
      core: new RaftCore(this.config(id, extra)),
      disk: { hardState: { term: 0, vote: '', commit: 0 }, entries: [] },
      applied: [],
      appliedIndex: 0,
      readStates: [],
      readies: [],
      crashed: false
    }
    this.nodes.set(id, node)
    return node
  }

  node (id: string): TestNode {
    const n = this.nodes.get(id)
    if (n === undefined) throw new Error(`no node ${id}`)
    return n
  }

  core (id: string): RaftCore { return this.node(id).core }

  /** Drops the node's volatile state (core and state machine); its disk survives. */
  crash (id: string): void {
    this.node(id).crashed = true
    this.queue = this.queue.filter((m) => m.to !== id && m.from !== id)
  }

  /** Restarts a crashed node from its disk. */
  restart (id: string, extra: ConfigOverrides = {}): void {
    const n = this.node(id)
    n.core = new RaftCore(this.config(id, extra), { hardState: n.disk.hardState, snapshot: n.disk.snapshot, entries: n.disk.entries.slice() })
    n.applied = n.disk.snapshot !== undefined ? JSON.parse(text(n.disk.snapshot.data)) as string[] : []
    n.appliedIndex = n.disk.snapshot?.metadata.index ?? 0
    n.crashed = false
  }

  cut (a: string, b: string): void { this.cuts.add(`${a}>${b}`); this.cuts.add(`${b}>${a}`) }
  isolate (id: string): void { this.isolated.add(id) }
  heal (): void { this.cuts.clear(); this.isolated.clear(); this.filter = undefined }

  private passes (m: Message): boolean {
    if (this.isolated.has(m.from) || this.isolated.has(m.to)) return false
    if (this.cuts.has(`${m.from}>${m.to}`)) return false
    if (this.filter !== undefined && !this.filter(m)) return false
    const to = this.nodes.get(m.to)
    return to !== undefined && !to.crashed
  }

  /** Runs the driver loop of one node once: persist, send, apply, advance. */
  processReady (id: string): boolean {
    const n = this.node(id)
    if (n.crashed || !n.core.hasReady()) return false
    const rd = n.core.ready()
    n.readies.push(rd)
    if (rd.snapshot !== undefined) {
      n.disk.snapshot = rd.snapshot
      n.disk.entries = []
    }
    if (rd.entries.length > 0) {
      const first = (rd.entries[0] as Entry).index
      n.disk.entries = n.disk.entries.filter((e) => e.index < first).concat(rd.entries)
    }
    if (rd.hardState !== undefined) n.disk.hardState = rd.hardState
    this.queue.push(...rd.messages)
    if (rd.snapshot !== undefined) {
      n.applied = JSON.parse(text(rd.snapshot.data)) as string[]
      n.appliedIndex = rd.snapshot.metadata.index
    }
    for (const e of rd.committedEntries) {
      if (e.index !== n.appliedIndex + 1) throw new Error(`${id} applies ${e.index} after ${n.appliedIndex}`)
      n.appliedIndex = e.index
      if (e.type === 'normal' && e.data.length > 0) n.applied.push(text(e.data))
      if (e.type === 'conf-change') decodeConfChangeRecord(e.data)
    }
    n.readStates.push(...rd.readStates)
    n.core.advance(rd)
    if (rd.snapshotRequest !== undefined && this.autoCompact) this.compact(id)
    return true
  }

  /** Snapshots node `id` at its applied index. */
  compact (id: string): void {
    const n = this.node(id)
    const snap = n.core.compact(n.appliedIndex, bytes(JSON.stringify(n.applied)))
    if (snap === undefined) return
    n.disk.snapshot = snap
    n.disk.entries = n.disk.entries.filter((e) => e.index > snap.metadata.index)
  }

  /** Delivers queued messages and processes readies until quiet. Returns the number of messages delivered. */
  stabilize (maxRounds = 10_000): number {
    let count = 0
    for (let round = 0; round < maxRounds; round++) {
      let moved = false
      for (const id of this.nodes.keys()) moved = this.processReady(id) || moved
      const batch = this.queue
      this.queue = []
      for (const m of batch) {
        if (!this.passes(m)) continue
        this.delivered.push(m)
        this.node(m.to).core.step(m)
        count++
        moved = true
      }
      if (!moved) return count
    }
    throw new Error('cluster did not stabilize')
  }

  /** Ticks the given nodes (default: all live nodes) `n` times, stabilizing after each tick. */
  tick (n = 1, ids: string[] = [...this.nodes.keys()]): void {
    for (let i = 0; i < n; i++) {
      for (const id of ids) if (!this.node(id).crashed) this.node(id).core.tick()
      this.stabilize()
    }
  }

  /** Campaigns `id` and stabilizes. */
  campaign (id: string): void {
    this.core(id).campaign()
    this.stabilize()
  }

  propose (id: string, data: string): { index: number, term: number } {
    const pos = this.core(id).propose(bytes(data))
    this.stabilize()
    return pos
  }

  leaders (): string[] {
    return [...this.nodes.values()].filter((n) => !n.crashed && n.core.status().role === 'leader').map((n) => n.id)
  }
}
