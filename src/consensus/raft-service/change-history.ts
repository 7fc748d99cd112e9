/**
 * The latest applied KV changes, kept for watches that resume after a revision.
 *
 * Contract: every change with revision >= `from` is retained, oldest first; the history holds at most
 * `limit.events` changes and, roughly, `limit.bytes` bytes (always at least the newest change).
 */
import { WatchCompactedError } from './errors.js'
import type { KvEvent } from '../kv/core/index.js'

export class ChangeHistory {
  private events: KvEvent[] = []
  /** Index of the oldest retained change in `events` (dropped ones are cut off in bulk). */
  private head = 0
  private bytes = 0
  private from = 1

  constructor (private readonly limit: { events: number, bytes: number }) {}

  record (event: KvEvent): void {
    this.events.push(event)
    this.bytes += eventBytes(event)
    while (this.events.length - this.head > this.limit.events || (this.bytes > this.limit.bytes && this.events.length - this.head > 1)) {
      const dropped = this.events[this.head++] as KvEvent
      this.bytes -= eventBytes(dropped)
      this.from = dropped.revision + 1
    }
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events.splice(0, this.head)
      this.head = 0
    }
  }

  /** Calls `listener` with each retained change after `revision`; WatchCompactedError when some are no longer retained. */
  replayAfter (revision: number, listener: (event: KvEvent) => void): void {
    if (revision + 1 < this.from) throw new WatchCompactedError(revision, this.from)
    for (let i = this.head; i < this.events.length; i++) {
      const ev = this.events[i] as KvEvent
      if (ev.revision > revision) listener(ev)
    }
  }

  /** The state jumped to `revision` (a snapshot): changes up to it are not known one by one. */
  resetTo (revision: number): void {
    this.events = []
    this.head = 0
    this.bytes = 0
    this.from = revision + 1
  }
}

function eventBytes (event: KvEvent): number {
  return 64 + event.key.length * 2 + (event.value?.byteLength ?? 0)
}
