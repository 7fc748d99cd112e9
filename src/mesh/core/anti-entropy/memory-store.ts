import { compareBytes, entryHash, keyHash32, lanesToBytes } from './hash.js'
import type { Fingerprint, KeyRange, KeyVersion, SyncEntry, SyncStore } from './types.js'

/**
 * Decides whether `incoming` replaces `current` (undefined when the key is absent). Must be deterministic and
 * commutative across replicas: given the same two entries, every replica keeps the same one.
 */
export type MergeRule = (current: SyncEntry | undefined, incoming: SyncEntry) => boolean

/** The default rule: an absent key takes any entry; otherwise the bytewise greater version wins. */
export const greaterVersionWins: MergeRule = (current, incoming) =>
  current === undefined || compareBytes(incoming.version, current.version) > 0

export interface MemorySyncStoreOptions {
  merge?: MergeRule
}

interface TreeNode {
  entry: SyncEntry
  priority: number
  left: TreeNode | null
  right: TreeNode | null
  /** Entry hash lanes. */
  h0: number, h1: number, h2: number, h3: number
  /** Subtree size and XOR of the subtree's entry hashes. */
  size: number
  x0: number, x1: number, x2: number, x3: number
}

function pull (n: TreeNode): void {
  const l = n.left
  const r = n.right
  n.size = 1 + (l === null ? 0 : l.size) + (r === null ? 0 : r.size)
  n.x0 = n.h0 ^ (l === null ? 0 : l.x0) ^ (r === null ? 0 : r.x0)
  n.x1 = n.h1 ^ (l === null ? 0 : l.x1) ^ (r === null ? 0 : r.x1)
  n.x2 = n.h2 ^ (l === null ? 0 : l.x2) ^ (r === null ? 0 : r.x2)
  n.x3 = n.h3 ^ (l === null ? 0 : l.x3) ^ (r === null ? 0 : r.x3)
}

function setEntry (n: TreeNode, entry: SyncEntry): void {
  const h = entryHash(entry.key, entry.version)
  n.entry = entry
  n.h0 = h[0]; n.h1 = h[1]; n.h2 = h[2]; n.h3 = h[3]
}

function rotateRight (n: TreeNode): TreeNode {
  const l = n.left as TreeNode
  n.left = l.right
  pull(n)
  l.right = n
  pull(l)
  return l
}

function rotateLeft (n: TreeNode): TreeNode {
  const r = n.right as TreeNode
  n.right = r.left
  pull(n)
  r.left = n
  pull(r)
  return r
}

function join (a: TreeNode | null, b: TreeNode | null): TreeNode | null {
  if (a === null) return b
  if (b === null) return a
  if (a.priority > b.priority) {
    a.right = join(a.right, b)
    pull(a)
    return a
  }
  b.left = join(a, b.left)
  pull(b)
  return b
}

/** Prefix summary: entries with key < bound. */
interface Prefix { count: number, x0: number, x1: number, x2: number, x3: number }

/**
 * An in-memory `SyncStore`: a treap ordered by key whose nodes carry subtree counts and XOR hashes, so a range's
 * fingerprint, a key's rank and the key at a rank each take O(log n) expected time, and writes keep them current.
 * Tree priorities derive from key hashes, so the shape is deterministic.
 */
export class MemorySyncStore implements SyncStore {
  private root: TreeNode | null = null
  private readonly merge: MergeRule

  constructor (options: MemorySyncStoreOptions = {}) {
    this.merge = options.merge ?? greaterVersionWins
  }

  get size (): number {
    return this.root === null ? 0 : this.root.size
  }

  get (key: string): SyncEntry | undefined {
    let n = this.root
    while (n !== null) {
      const k = n.entry.key
      if (key === k) return n.entry
      n = key < k ? n.left : n.right
    }
    return undefined
  }

  /** Writes `entry` unconditionally (a local write). */
  set (entry: SyncEntry): void {
    this.root = this.insert(this.root, entry)
  }

  /** Merges an incoming entry by the store's rule; true when the store changed. */
  apply (entry: SyncEntry): boolean {
    if (!this.merge(this.get(entry.key), entry)) return false
    this.set(entry)
    return true
  }

  /** Removes a key outright (e.g. purging an old tombstone); true when it was present. */
  delete (key: string): boolean {
    const before = this.size
    this.root = this.remove(this.root, key)
    return this.size !== before
  }

  fingerprint (range: KeyRange): Fingerprint {
    const lo = this.prefix(range.lower)
    const hi = range.upper === null ? this.total() : this.prefix(range.upper)
    if (hi.count <= lo.count) return { count: 0, hash: new Uint8Array(16) }
    return {
      count: hi.count - lo.count,
      hash: lanesToBytes([hi.x0 ^ lo.x0, hi.x1 ^ lo.x1, hi.x2 ^ lo.x2, hi.x3 ^ lo.x3])
    }
  }

  keyAt (range: KeyRange, offset: number): string | undefined {
    if (offset < 0 || !Number.isInteger(offset)) return undefined
    const index = this.rank(range.lower) + offset
    const end = range.upper === null ? this.size : this.rank(range.upper)
    if (index >= end) return undefined
    return this.select(index)
  }

  versions (range: KeyRange): Iterable<KeyVersion> {
    return this.entries(range)
  }

  /** The range's entries in ascending key order (the whole store by default). */
  * entries (range: KeyRange = { lower: '', upper: null }): Generator<SyncEntry> {
    const stack: TreeNode[] = []
    let n = this.root
    while (n !== null) {
      if (n.entry.key >= range.lower) { stack.push(n); n = n.left } else n = n.right
    }
    while (stack.length > 0) {
      const node = stack.pop() as TreeNode
      if (range.upper !== null && node.entry.key >= range.upper) return
      yield node.entry
      n = node.right
      while (n !== null) { stack.push(n); n = n.left }
    }
  }

  /** Number of keys strictly less than `bound`. */
  private rank (bound: string): number {
    let count = 0
    let n = this.root
    while (n !== null) {
      if (n.entry.key < bound) {
        count += 1 + (n.left === null ? 0 : n.left.size)
        n = n.right
      } else n = n.left
    }
    return count
  }

  private select (index: number): string | undefined {
    let n = this.root
    while (n !== null) {
      const leftSize = n.left === null ? 0 : n.left.size
      if (index < leftSize) n = n.left
      else if (index === leftSize) return n.entry.key
      else { index -= leftSize + 1; n = n.right }
    }
    return undefined
  }

  private total (): Prefix {
    const r = this.root
    if (r === null) return { count: 0, x0: 0, x1: 0, x2: 0, x3: 0 }
    return { count: r.size, x0: r.x0, x1: r.x1, x2: r.x2, x3: r.x3 }
  }

  private prefix (bound: string): Prefix {
    const p: Prefix = { count: 0, x0: 0, x1: 0, x2: 0, x3: 0 }
    let n = this.root
    while (n !== null) {
      if (n.entry.key < bound) {
        const l = n.left
        p.count += 1 + (l === null ? 0 : l.size)
        p.x0 ^= n.h0 ^ (l === null ? 0 : l.x0)
        p.x1 ^= n.h1 ^ (l === null ? 0 : l.x1)
        p.x2 ^= n.h2 ^ (l === null ? 0 : l.x2)
        p.x3 ^= n.h3 ^ (l === null ? 0 : l.x3)
        n = n.right
      } else n = n.left
    }
    return p
  }

  private insert (n: TreeNode | null, entry: SyncEntry): TreeNode {
    if (n === null) {
      const node: TreeNode = {
        entry, priority: keyHash32(entry.key), left: null, right: null,
        h0: 0, h1: 0, h2: 0, h3: 0, size: 1, x0: 0, x1: 0, x2: 0, x3: 0
      }
      setEntry(node, entry)
      pull(node)
      return node
    }
    const k = n.entry.key
    if (entry.key === k) {
      setEntry(n, entry)
      pull(n)
      return n
    }
    if (entry.key < k) {
      n.left = this.insert(n.left, entry)
      if (n.left.priority > n.priority) return rotateRight(n)
    } else {
      n.right = this.insert(n.right, entry)
      if (n.right.priority > n.priority) return rotateLeft(n)
    }
    pull(n)
    return n
  }

  private remove (n: TreeNode | null, key: string): TreeNode | null {
    if (n === null) return null
    const k = n.entry.key
    if (key === k) return join(n.left, n.right)
    if (key < k) n.left = this.remove(n.left, key)
    else n.right = this.remove(n.right, key)
    pull(n)
    return n
  }
}
