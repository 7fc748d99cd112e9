import type { RegisterEntry, StoredEntry } from './entry.js'
import type { JsonValue } from './json.js'
import { NodeTable } from './node-table.js'
import type { VectorClock } from './vector-clock.js'

/**
 * A packed plain entry with one version, as JSON: `[deleted, dotNode, dotCounter, wallMs, logical, hlcNode, value]`,
 * plus `[node, counter, …]` as an eighth element when the context is not just `{dotNode: dotCounter}`. Node ids are
 * indexes into the table's node list.
 */
type Packed = [0 | 1, number, number, number, number, number, JsonValue, number[]?]

/**
 * The entries of a replica by key. A plain key holding one version, the common case, is kept as one flat string
 * (its JSON, with node ids replaced by their index in a list of the node ids seen); other entries are kept as they
 * are. That takes about a quarter of the memory of the object form, which matters since every replica holds every
 * key in memory.
 *
 * Contract: `get` returns a new object equal to the entry last `set` under the key, except that values come back
 * as JSON gives them back (-0 reads as 0, as after a restart from disk). Callers never rely on entry identity.
 */
export class EntryTable {
  private readonly map = new Map<string, StoredEntry | string>()
  private readonly nodes = new NodeTable()

  get size (): number {
    return this.map.size
  }

  has (key: string): boolean {
    return this.map.has(key)
  }

  get (key: string): StoredEntry | undefined {
    const held = this.map.get(key)
    return typeof held === 'string' ? this.unpack(held) : held
  }

  set (key: string, entry: StoredEntry): void {
    this.map.set(key, this.pack(entry))
  }

  delete (key: string): boolean {
    return this.map.delete(key)
  }

  /** The keys, in insertion order. */
  keys (): IterableIterator<string> {
    return this.map.keys()
  }

  private pack (e: StoredEntry): StoredEntry | string {
    if (e.kind !== 'register' || e.versions.length !== 1) return e
    const v = e.versions[0] as RegisterEntry['versions'][number]
    const packed: Packed = [v.deleted ? 1 : 0, this.nodes.of(v.dot.node), v.dot.counter, v.hlc.wallMs, v.hlc.logical, this.nodes.of(v.hlc.node), v.deleted ? null : v.value]
    const nodes = Object.keys(e.context)
    if (nodes.length !== 1 || nodes[0] !== v.dot.node || e.context[v.dot.node] !== v.dot.counter) {
      const context: number[] = []
      for (const node of nodes) context.push(this.nodes.of(node), e.context[node] as number)
      packed.push(context)
    }
    return JSON.stringify(packed)
  }

  private unpack (s: string): RegisterEntry {
    const [deleted, dotNode, counter, wallMs, logical, hlcNode, value, pairs] = JSON.parse(s) as Packed
    const node = this.nodes.ids[dotNode] as string
    let context: VectorClock
    if (pairs === undefined) {
      context = { [node]: counter }
    } else {
      const c: Record<string, number> = {}
      for (let i = 0; i < pairs.length; i += 2) c[this.nodes.ids[pairs[i] as number] as string] = pairs[i + 1] as number
      context = c
    }
    const version = { dot: { node, counter }, hlc: { wallMs, logical, node: this.nodes.ids[hlcNode] as string }, value, deleted: deleted === 1 }
    return { kind: 'register', versions: [version], context }
  }
}
