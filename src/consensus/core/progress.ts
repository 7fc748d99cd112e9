/**
 * The leader's view of one follower: how far its log matches (`match`), what to send next
 * (`next`), and the flow-control state:
 * - probe: one append in flight at a time until the follower's match point is found;
 * - replicate: appends are pipelined optimistically, bounded by the inflight window;
 * - snapshot: a snapshot is on its way; nothing else is sent until it is acknowledged.
 */
import type { ProgressState } from './types.js'

/** A bounded FIFO of the last indexes of appends in flight. */
export class Inflights {
  private readonly buffer: number[] = []
  constructor (readonly capacity: number) {}

  get count (): number { return this.buffer.length }
  full (): boolean { return this.buffer.length >= this.capacity }
  add (lastIndex: number): void { this.buffer.push(lastIndex) }
  /** Frees every append whose last index is <= `index` (acknowledged). */
  freeLE (index: number): void {
    let n = 0
    while (n < this.buffer.length && (this.buffer[n] as number) <= index) n++
    if (n > 0) this.buffer.splice(0, n)
  }

  freeFirstOne (): void { this.buffer.shift() }
  reset (): void { this.buffer.length = 0 }
}

export class Progress {
  match = 0
  next: number
  state: ProgressState = 'probe'
  /** In probe state: an append was sent and no answer has come yet. */
  probeSent = false
  /** In snapshot state: the index of the snapshot sent. */
  pendingSnapshot = 0
  /** In snapshot state: an election timeout has passed since the snapshot was sent. */
  snapshotStale = false
  /** The highest commit index sent to this follower in an append or heartbeat. */
  sentCommit = 0
  /** The last index of entries this follower proposed (it waits to apply them). */
  proposedUpTo = 0
  /** The run and number of the last propose message taken from this follower (duplicates are dropped). */
  proposeEpoch = 0
  proposeSeq = 0
  /** Heard from since the last check-quorum round. */
  recentActive = false
  readonly inflights: Inflights

  constructor (next: number, maxInflight: number, public learner: boolean) {
    this.next = next
    this.inflights = new Inflights(maxInflight)
  }

  private resetState (state: ProgressState): void {
    this.state = state
    this.probeSent = false
    this.pendingSnapshot = 0
    this.snapshotStale = false
    this.inflights.reset()
  }

  becomeProbe (): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot
      this.resetState('probe')
      this.next = Math.max(this.match + 1, pending + 1)
    } else {
      this.resetState('probe')
      this.next = this.match + 1
    }
  }

  becomeReplicate (): void {
    this.resetState('replicate')
    this.next = this.match + 1
  }

  becomeSnapshot (snapshotIndex: number): void {
    this.resetState('snapshot')
    this.pendingSnapshot = snapshotIndex
  }

  /** Records an acknowledgement up to `index`; true when `match` moved forward. */
  maybeUpdate (index: number): boolean {
    let updated = false
    if (this.match < index) {
      this.match = index
      updated = true
      this.probeSent = false
    }
    this.next = Math.max(this.next, index + 1)
    return updated
  }

  /**
   * Handles a rejection of the append at `rejected`; `hint` is the highest index that may match.
   * False when the rejection is stale (answers an append this progress no longer waits for).
   */
  maybeDecrTo (rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false
      this.next = this.match + 1
      return true
    }
    if (this.next - 1 !== rejected) return false
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1)
    this.probeSent = false
    return true
  }

  /** Bookkeeping after sending an append whose entries end at `lastIndex` (`count` entries). */
  sentEntries (count: number, lastIndex: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1
        this.inflights.add(lastIndex)
      }
    } else if (this.state === 'probe') {
      this.probeSent = true
    }
  }

  isPaused (): boolean {
    switch (this.state) {
      case 'probe': return this.probeSent
      case 'replicate': return this.inflights.full()
      case 'snapshot': return true
    }
  }
}
