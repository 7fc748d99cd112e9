import { compareStrings } from '../core/index.js'
import { entryHash, lanesToBytes } from '../../mesh/core/anti-entropy/index.js'
import type { Fingerprint, KeyRange, KeyVersion } from '../../mesh/core/anti-entropy/index.js'

/** Bytes of a version digest (SHA-256). */
export const DIGEST_BYTES = 32

const LANES = 4

/**
 * The anti-entropy index of a replica in flat arrays: keys in ascending order (JavaScript string order), their
 * version digests, their entry hashes (`entryHash`, four 32-bit lanes) and a Fenwick tree of the lanes under XOR,
 * so that a range's fingerprint is two prefix lookups (O(log n)) and a key's rank a binary search. About 72 bytes
 * per key, against several hundred for a tree of objects.
 *
 * Changes come in batches (`update`): a batch that only changes the digests of present keys costs O(log n) per key;
 * one that adds or removes keys rebuilds the arrays in O(n + m log m) (m = keys added), so the index suits many
 * changes per read, the way anti-entropy sessions read it.
 */
export class FingerprintIndex {
  private keys: string[] = []
  private digests = new Uint8Array(0)
  private lanes = new Uint32Array(0)
  /** Fenwick tree over `lanes`, 1-based: node i holds lanes [LANES * i, LANES * i + 4). */
  private tree = new Uint32Array(LANES)

  get size (): number {
    return this.keys.length
  }

  /** Applies a batch: key → its new digest (DIGEST_BYTES bytes), or undefined when the key is gone. */
  update (changes: ReadonlyMap<string, Uint8Array | undefined>): void {
    if (changes.size === 0) return
    let structural = false
    for (const [key, digest] of changes) {
      if ((this.indexOf(key) >= 0) !== (digest !== undefined)) { structural = true; break }
    }
    if (!structural) {
      // Only digests of present keys change (a removal of an absent key changes nothing).
      for (const [key, digest] of changes) if (digest !== undefined) this.replace(this.indexOf(key), digest)
      return
    }
    this.rebuild(changes)
  }

  fingerprint (range: KeyRange): Fingerprint {
    const lo = this.lowerBound(range.lower)
    const hi = range.upper === null ? this.keys.length : this.lowerBound(range.upper)
    if (hi <= lo) return { count: 0, hash: lanesToBytes([0, 0, 0, 0]) }
    const a = this.prefix(hi)
    const b = this.prefix(lo)
    return { count: hi - lo, hash: lanesToBytes(a.map((lane, l) => lane ^ (b[l] as number))) }
  }

  keyAt (range: KeyRange, offset: number): string | undefined {
    if (offset < 0 || !Number.isInteger(offset)) return undefined
    const index = this.lowerBound(range.lower) + offset
    const end = range.upper === null ? this.keys.length : this.lowerBound(range.upper)
    return index < end ? this.keys[index] : undefined
  }

  /** The range's keys in ascending order with copies of their digests. */
  versions (range: KeyRange): KeyVersion[] {
    const lo = this.lowerBound(range.lower)
    const hi = range.upper === null ? this.keys.length : this.lowerBound(range.upper)
    const out: KeyVersion[] = []
    for (let i = lo; i < hi; i++) out.push({ key: this.keys[i] as string, version: this.digests.slice(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES) })
    return out
  }

  /** The digest of a key, or undefined when it is not indexed. */
  digestOf (key: string): Uint8Array | undefined {
    const i = this.indexOf(key)
    return i < 0 ? undefined : this.digests.slice(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES)
  }

  private indexOf (key: string): number {
    const i = this.lowerBound(key)
    return i < this.keys.length && this.keys[i] === key ? i : -1
  }

  /** The number of keys strictly less than `bound`. */
  private lowerBound (bound: string): number {
    let lo = 0
    let hi = this.keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.keys[mid] as string) < bound) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** XOR of the entry hashes of the first `count` keys. */
  private prefix (count: number): [number, number, number, number] {
    const acc: [number, number, number, number] = [0, 0, 0, 0]
    for (let i = count; i > 0; i -= i & -i) {
      for (let l = 0; l < LANES; l++) acc[l] = (acc[l] as number) ^ (this.tree[LANES * i + l] as number)
    }
    return acc
  }

  private replace (index: number, digest: Uint8Array): void {
    this.digests.set(digest, index * DIGEST_BYTES)
    const h = entryHash(this.keys[index] as string, digest)
    const delta = [0, 0, 0, 0]
    for (let l = 0; l < LANES; l++) {
      delta[l] = ((this.lanes[LANES * index + l] as number) ^ (h[l] as number)) >>> 0
      this.lanes[LANES * index + l] = h[l] as number
    }
    for (let i = index + 1; i <= this.keys.length; i += i & -i) {
      for (let l = 0; l < LANES; l++) this.tree[LANES * i + l] = (this.tree[LANES * i + l] as number) ^ (delta[l] as number)
    }
  }

  private rebuild (changes: ReadonlyMap<string, Uint8Array | undefined>): void {
    const added: string[] = []
    for (const [key, digest] of changes) if (digest !== undefined && this.indexOf(key) < 0) added.push(key)
    added.sort(compareStrings)
    const old = { keys: this.keys, digests: this.digests, lanes: this.lanes }
    let n = old.keys.length + added.length
    for (const [key, digest] of changes) if (digest === undefined && this.indexOf(key) >= 0) n--
    const keys: string[] = new Array<string>(n)
    const digests = new Uint8Array(n * DIGEST_BYTES)
    const lanes = new Uint32Array(n * LANES)
    let i = 0
    let j = 0
    let out = 0
    while (i < old.keys.length || j < added.length) {
      const fromOld = j >= added.length || (i < old.keys.length && (old.keys[i] as string) < (added[j] as string))
      const key = (fromOld ? old.keys[i] : added[j]) as string
      const changed = changes.get(key)
      if (fromOld && changes.has(key) && changed === undefined) { i++; continue }
      keys[out] = key
      if (changed === undefined) {
        digests.set(old.digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES), out * DIGEST_BYTES)
        lanes.set(old.lanes.subarray(i * LANES, (i + 1) * LANES), out * LANES)
      } else {
        digests.set(changed, out * DIGEST_BYTES)
        const h = entryHash(key, changed)
        for (let l = 0; l < LANES; l++) lanes[out * LANES + l] = h[l] as number
      }
      out++
      if (fromOld) i++
      else j++
    }
    const tree = new Uint32Array(LANES * (n + 1))
    tree.set(lanes, LANES)
    for (let k = 1; k <= n; k++) {
      const parent = k + (k & -k)
      if (parent > n) continue
      for (let l = 0; l < LANES; l++) tree[LANES * parent + l] = (tree[LANES * parent + l] as number) ^ (tree[LANES * k + l] as number)
    }
    this.keys = keys
    this.digests = digests
    this.lanes = lanes
    this.tree = tree
  }
}
