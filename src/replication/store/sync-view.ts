import { canonicalJson, deltaFromJSON, deltaToJSON } from '../core/index.js'
import { FingerprintIndex } from './fingerprint-index.js'
import type { ReplicaStore } from './replica-store.js'
import type { Fingerprint, KeyRange, KeyVersion, SyncEntry, SyncStore } from '../../mesh/core/anti-entropy/index.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export interface ReplicaSyncStats {
  /** Entries received that changed the replica, that changed nothing, and that were refused (malformed, wrong key, bad checksum, drift). */
  applied: number
  unchanged: number
  refused: number
}

/**
 * The replica as an anti-entropy `SyncStore`: key → version digest (`ReplicaStore.entryDigest`, a SHA-256 of the
 * stored entry in normal form), payload → the key's entry as a delta in its JSON wire form (with its checksum).
 * `apply` verifies and joins the received delta through the replica's own merge (`applyDelta`), which is
 * commutative, so two replicas that sync converge to equal entries and equal digests.
 *
 * The digests live in an index (a `FingerprintIndex`: flat sorted arrays with a Fenwick tree of entry hashes)
 * refreshed lazily: a change only marks its key, and the marked keys are re-digested when a session next reads the
 * view, so local writes cost nothing here.
 */
export class ReplicaSyncStore implements SyncStore {
  private readonly index = new FingerprintIndex()
  private readonly stale = new Set<string>()
  private readonly stop: () => void
  readonly stats: ReplicaSyncStats = { applied: 0, unchanged: 0, refused: 0 }

  constructor (private readonly store: ReplicaStore) {
    for (const key of store.state.keys()) this.stale.add(key)
    this.stop = store.onChange(({ key }) => { this.stale.add(key) })
  }

  /** Stops following the store's changes. */
  close (): void {
    this.stop()
  }

  fingerprint (range: KeyRange): Fingerprint {
    this.refresh()
    return this.index.fingerprint(range)
  }

  versions (range: KeyRange): Iterable<KeyVersion> {
    this.refresh()
    return this.index.versions(range)
  }

  keyAt (range: KeyRange, offset: number): string | undefined {
    this.refresh()
    return this.index.keyAt(range, offset)
  }

  get (key: string): SyncEntry | undefined {
    const version = this.store.entryDigest(key)
    const delta = this.store.deltaOf(key)
    if (version === undefined || delta === undefined) return undefined
    return { key, version, payload: encoder.encode(canonicalJson(deltaToJSON(delta))) }
  }

  apply (entry: SyncEntry): boolean {
    let delta
    try {
      delta = deltaFromJSON(JSON.parse(decoder.decode(entry.payload)))
    } catch {
      this.stats.refused++
      return false
    }
    if (delta.key !== entry.key) {
      this.stats.refused++
      return false
    }
    const result = this.store.applyDelta(delta, 'sync')
    if (result.status === 'rejected-checksum' || result.status === 'rejected-clock-drift') this.stats.refused++
    else if (result.changed) this.stats.applied++
    else this.stats.unchanged++
    return result.changed
  }

  private refresh (): void {
    if (this.stale.size === 0) return
    const changes = new Map<string, Uint8Array | undefined>()
    for (const key of this.stale) changes.set(key, this.store.entryDigest(key))
    this.stale.clear()
    this.index.update(changes)
  }
}
