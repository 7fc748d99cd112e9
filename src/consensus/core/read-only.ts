/**
 * Pending ReadIndex requests on the leader: each waits for a heartbeat round, tagged with its
 * context, to be acknowledged by a quorum; that confirms the leader was still the leader when the
 * request arrived, so the commit index recorded then is safe to read at.
 */
import type { NodeId } from './types.js'

export interface ReadRequest {
  index: number
  context: Uint8Array
  /** The node that asked (the leader itself for local reads). */
  from: NodeId
  acks: Set<NodeId>
}

export function contextKey (context: Uint8Array): string {
  let s = ''
  for (const b of context) s += b.toString(16).padStart(2, '0')
  return s
}

export class ReadOnlyQueue {
  private readonly pending = new Map<string, ReadRequest>()

  get size (): number { return this.pending.size }

  /** Queues a request; false when a request with the same context is already pending. */
  add (index: number, context: Uint8Array, from: NodeId, self: NodeId): boolean {
    const key = contextKey(context)
    if (this.pending.has(key)) return false
    this.pending.set(key, { index, context, from, acks: new Set([self]) })
    return true
  }

  /** Records `from`'s acknowledgement of the heartbeat tagged `context`; returns the acks so far. */
  ack (from: NodeId, context: Uint8Array): ReadonlySet<NodeId> | undefined {
    const req = this.pending.get(contextKey(context))
    if (req === undefined) return undefined
    req.acks.add(from)
    return req.acks
  }

  /** Removes and returns every request up to and including the one tagged `context`, in arrival order. */
  release (context: Uint8Array): ReadRequest[] {
    const key = contextKey(context)
    if (!this.pending.has(key)) return []
    const out: ReadRequest[] = []
    for (const [k, req] of this.pending) {
      out.push(req)
      this.pending.delete(k)
      if (k === key) break
    }
    return out
  }

  /** The context of the most recent request, if any. */
  lastContext (): Uint8Array | undefined {
    let last: ReadRequest | undefined
    for (const req of this.pending.values()) last = req
    return last?.context
  }

  clear (): void { this.pending.clear() }
}
