/**
 * Writes a follower hands to the leader inside Raft `propose` messages (etcd's MsgProp), waiting until the follower
 * applies them itself. Each command travels tagged with this service instance's random id and a sequence number, so
 * the follower recognizes its own entries among those it applies and answers the caller with its own state machine's
 * result; the leader sends nothing back.
 *
 * Tagged entry data: `TAGGED_PROPOSAL`, the 8-byte instance id, the sequence number (unsigned LEB128), the command.
 * Untagged data (the leader's own proposals, entries written before tagging existed) is the bare command; the tag
 * marker is not a valid first byte of a command.
 */
import { NoQuorumError } from './errors.js'
import type { KvResult } from '../kv/core/index.js'

/** First byte of tagged entry data (a KV command starts with its format version, 1). */
export const TAGGED_PROPOSAL = 0xf0
const INSTANCE_BYTES = 8

export interface ProposalTag {
  /** The proposing instance's id, as two 32-bit halves (cheap to compare). */
  instanceHigh: number
  instanceLow: number
  seq: number
  /** The bare command (a view into the tagged data). */
  command: Uint8Array
}

/** Tagged entry data for `command`. `instance` is 8 bytes; `seq` a non-negative safe integer. */
export function tagProposal (instance: Uint8Array, seq: number, command: Uint8Array): Uint8Array {
  let seqBytes = 1
  for (let v = seq; v >= 0x80; v = Math.floor(v / 0x80)) seqBytes++
  const out = new Uint8Array(1 + INSTANCE_BYTES + seqBytes + command.length)
  out[0] = TAGGED_PROPOSAL
  out.set(instance.subarray(0, INSTANCE_BYTES), 1)
  let at = 1 + INSTANCE_BYTES
  let v = seq
  while (v >= 0x80) {
    out[at++] = (v % 0x80) | 0x80
    v = Math.floor(v / 0x80)
  }
  out[at++] = v
  out.set(command, at)
  return out
}

/** The tag of entry data, or undefined when the data is untagged (or the tag is truncated). */
export function readProposalTag (data: Uint8Array): ProposalTag | undefined {
  if (data.length < 2 + INSTANCE_BYTES || data[0] !== TAGGED_PROPOSAL) return undefined
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  let at = 1 + INSTANCE_BYTES
  let seq = 0
  let scale = 1
  for (;;) {
    if (at >= data.length || scale > 2 ** 49) return undefined
    const b = data[at++] as number
    seq += (b & 0x7f) * scale
    if (b < 0x80) break
    scale *= 0x80
  }
  return { instanceHigh: view.getUint32(1), instanceLow: view.getUint32(5), seq, command: data.subarray(at) }
}

/** An 8-byte instance id as the two 32-bit halves a tag holds. */
function instanceHalves (instance: Uint8Array): { instanceHigh: number, instanceLow: number } {
  const view = new DataView(instance.buffer, instance.byteOffset, INSTANCE_BYTES)
  return { instanceHigh: view.getUint32(0), instanceLow: view.getUint32(4) }
}

/** Whether `tag` was made with the 8-byte `instance` id. */
export function isTaggedBy (tag: ProposalTag, instance: Uint8Array): boolean {
  const { instanceHigh, instanceLow } = instanceHalves(instance)
  return tag.instanceHigh === instanceHigh && tag.instanceLow === instanceLow
}

interface Waiting {
  leader: string
  /** performance.now() when sent; `expire` fails it `timeoutMs` later. */
  startedAt: number
  timeoutMs: number
  resolve: (result: KvResult) => void
  reject: (err: Error) => void
  unlisten?: () => void
}

export class ForwardedProposals {
  private readonly instance: Uint8Array
  private readonly instanceHigh: number
  private readonly instanceLow: number
  private nextSeq = 1
  private readonly waiting = new Map<number, Waiting>()

  /** `instance`: 8 random bytes, new for every start, so entries of an earlier run never match. */
  constructor (instance: Uint8Array, private readonly hooks: { applied?: (ms: number) => void, failed?: () => void } = {}) {
    if (instance.length !== INSTANCE_BYTES) throw new RangeError(`the instance id must be ${INSTANCE_BYTES} bytes`)
    this.instance = instance
    const halves = instanceHalves(instance)
    this.instanceHigh = halves.instanceHigh
    this.instanceLow = halves.instanceLow
  }

  get size (): number {
    return this.waiting.size
  }

  /** Tags `command`: the data to propose, and the sequence number to `wait` for. */
  tag (command: Uint8Array): { seq: number, data: Uint8Array } {
    const seq = this.nextSeq++
    return { seq, data: tagProposal(this.instance, seq, command) }
  }

  /**
   * The result once this node applies the entry tagged `seq` (sent to `leader`), or NoQuorumError on `signal`, when
   * `failUnlessLeader` gives up on it, or when `expire` finds it older than `timeoutMs` (the owner calls `expire`
   * periodically: one sweep instead of a timer per write).
   */
  wait (seq: number, leader: string, timeoutMs: number, signal?: AbortSignal): Promise<KvResult> {
    return new Promise<KvResult>((resolve, reject) => {
      const w: Waiting = { leader, startedAt: performance.now(), timeoutMs, resolve, reject }
      this.waiting.set(seq, w)
      if (signal === undefined) return
      const onAbort = (): void => { this.fail(seq, new NoQuorumError('the write was aborted while with the leader; the outcome is unknown')) }
      if (signal.aborted) { onAbort(); return }
      signal.addEventListener('abort', onAbort, { once: true })
      w.unlisten = () => { signal.removeEventListener('abort', onAbort) }
    })
  }

  /** Fails every proposal whose deadline is at or before `now` (a performance.now() time). */
  expire (now: number): void {
    for (const [seq, w] of this.waiting) {
      if (w.startedAt + w.timeoutMs <= now) this.fail(seq, new NoQuorumError(`not applied within ${w.timeoutMs} ms (no quorum?); the outcome is unknown`))
    }
  }

  /** Answers the caller waiting for the entry with `tag`, if it is one of ours. */
  settle (tag: ProposalTag, result: KvResult): void {
    if (tag.instanceHigh !== this.instanceHigh || tag.instanceLow !== this.instanceLow) return
    const w = this.waiting.get(tag.seq)
    if (w === undefined) return
    this.waiting.delete(tag.seq)
    w.unlisten?.()
    this.hooks.applied?.(performance.now() - w.startedAt)
    w.resolve(result)
  }

  /** Fails every waiting proposal that was sent to another leader than `leader` (all of them for undefined). */
  failUnlessLeader (leader: string | undefined, err: () => Error): void {
    for (const [seq, w] of this.waiting) if (w.leader !== leader) this.fail(seq, err())
  }

  private fail (seq: number, err: Error): void {
    const w = this.waiting.get(seq)
    if (w === undefined) return
    this.waiting.delete(seq)
    w.unlisten?.()
    this.hooks.failed?.()
    w.reject(err)
  }
}
