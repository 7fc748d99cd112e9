/**
 * Core `Message` ↔ protobuf `RaftMessage`. `from`/`to` are not on the wire: the stream names them.
 * Snapshot messages are not encoded here (their data goes over the snapshot protocol).
 */
import * as pb from '../pb/raft.js'
import { entryFromPb, entryToPb, MalformedRaftDataError, toSafe } from '../storage/codec.js'
import type { AppendMessage, Message, NodeId, ProposeMessage } from '../core/index.js'

const KIND_TO_PB: Record<Exclude<Message['type'], 'snapshot'>, pb.MessageKind> = {
  append: pb.MessageKind.APPEND,
  'append-response': pb.MessageKind.APPEND_RESPONSE,
  heartbeat: pb.MessageKind.HEARTBEAT,
  'heartbeat-response': pb.MessageKind.HEARTBEAT_RESPONSE,
  vote: pb.MessageKind.VOTE,
  'vote-response': pb.MessageKind.VOTE_RESPONSE,
  'pre-vote': pb.MessageKind.PRE_VOTE,
  'pre-vote-response': pb.MessageKind.PRE_VOTE_RESPONSE,
  'timeout-now': pb.MessageKind.TIMEOUT_NOW,
  'read-index': pb.MessageKind.READ_INDEX,
  'read-index-response': pb.MessageKind.READ_INDEX_RESPONSE,
  propose: pb.MessageKind.PROPOSE
}

function base (kind: pb.MessageKind, term: number): pb.RaftMessage {
  return { kind, term, index: 0, logTerm: 0, entries: [], commit: 0, reject: false, rejectHint: 0, transfer: false, proposeEpoch: 0, proposeSeq: 0, proposals: [] }
}

export function messageToPb (m: Exclude<Message, { type: 'snapshot' }>): pb.RaftMessage {
  const out = base(KIND_TO_PB[m.type], m.term)
  switch (m.type) {
    case 'append':
      out.index = m.index
      out.logTerm = m.logTerm
      out.entries = m.entries.map(entryToPb)
      out.commit = m.commit
      break
    case 'append-response':
      out.index = m.index
      out.reject = m.reject
      out.rejectHint = m.rejectHint
      out.logTerm = m.logTerm
      break
    case 'heartbeat':
      out.commit = m.commit
      if (m.context !== undefined) out.context = m.context as Uint8Array<ArrayBuffer>
      break
    case 'heartbeat-response':
      if (m.context !== undefined) out.context = m.context as Uint8Array<ArrayBuffer>
      break
    case 'vote':
    case 'pre-vote':
      out.index = m.index
      out.logTerm = m.logTerm
      out.transfer = m.transfer
      break
    case 'vote-response':
    case 'pre-vote-response':
      out.reject = m.reject
      break
    case 'timeout-now':
      break
    case 'read-index':
      out.context = m.context as Uint8Array<ArrayBuffer>
      break
    case 'read-index-response':
      out.index = m.index
      out.context = m.context as Uint8Array<ArrayBuffer>
      break
    case 'propose':
      out.proposals = m.data as Array<Uint8Array<ArrayBuffer>>
      out.proposeEpoch = m.epoch
      out.proposeSeq = m.seq
      break
  }
  return out
}

/** Throws MalformedRaftDataError for a message that cannot be a Raft message. */
export function messageFromPb (p: pb.RaftMessage, from: NodeId, to: NodeId): Message {
  const term = toSafe(p.term, 'term')
  const index = toSafe(p.index, 'index')
  const logTerm = toSafe(p.logTerm, 'logTerm')
  const head = { from, to, term }
  switch (p.kind) {
    case pb.MessageKind.APPEND: {
      const entries = p.entries.map(entryFromPb)
      entries.forEach((e, i) => { if (e.index !== index + 1 + i) throw new MalformedRaftDataError('append entries are not contiguous after index') })
      return { ...head, type: 'append', index, logTerm, entries, commit: toSafe(p.commit, 'commit') }
    }
    case pb.MessageKind.APPEND_RESPONSE:
      return { ...head, type: 'append-response', index, reject: p.reject, rejectHint: toSafe(p.rejectHint, 'rejectHint'), logTerm }
    case pb.MessageKind.HEARTBEAT:
      return p.context === undefined
        ? { ...head, type: 'heartbeat', commit: toSafe(p.commit, 'commit') }
        : { ...head, type: 'heartbeat', commit: toSafe(p.commit, 'commit'), context: p.context }
    case pb.MessageKind.HEARTBEAT_RESPONSE:
      return p.context === undefined ? { ...head, type: 'heartbeat-response' } : { ...head, type: 'heartbeat-response', context: p.context }
    case pb.MessageKind.VOTE:
    case pb.MessageKind.PRE_VOTE:
      return { ...head, type: p.kind === pb.MessageKind.VOTE ? 'vote' : 'pre-vote', index, logTerm, transfer: p.transfer }
    case pb.MessageKind.VOTE_RESPONSE:
    case pb.MessageKind.PRE_VOTE_RESPONSE:
      return { ...head, type: p.kind === pb.MessageKind.VOTE_RESPONSE ? 'vote-response' : 'pre-vote-response', reject: p.reject }
    case pb.MessageKind.TIMEOUT_NOW:
      return { ...head, type: 'timeout-now' }
    case pb.MessageKind.READ_INDEX:
      if (p.context === undefined) throw new MalformedRaftDataError('read-index without context')
      return { ...head, type: 'read-index', context: p.context }
    case pb.MessageKind.READ_INDEX_RESPONSE:
      if (p.context === undefined) throw new MalformedRaftDataError('read-index-response without context')
      return { ...head, type: 'read-index-response', index, context: p.context }
    case pb.MessageKind.PROPOSE:
      return { ...head, type: 'propose', data: p.proposals, epoch: p.proposeEpoch, seq: toSafe(p.proposeSeq, 'proposeSeq') }
    default:
      throw new MalformedRaftDataError(`message kind ${String(p.kind)} is not allowed on the message stream`)
  }
}

/** Rough encoded size of a message (for batching and the size limit). */
export function approximateSize (m: Message): number {
  if (m.type === 'append') return 48 + m.entries.reduce((n, e) => n + e.data.length + 24, 0)
  if (m.type === 'propose') return 48 + m.data.reduce((n, d) => n + d.length + 8, 0)
  if (m.type === 'snapshot') return 64 + m.snapshot.data.length
  return 48 + ('context' in m && m.context !== undefined ? m.context.length : 0)
}

/** Splits a proposal whose data exceed `maxBytes` into proposals that each fit (a single larger item travels alone). */
export function splitPropose (m: ProposeMessage, maxBytes: number): ProposeMessage[] {
  if (approximateSize(m) <= maxBytes || m.data.length <= 1) return [m]
  const parts: ProposeMessage[] = []
  let current: Uint8Array[] = []
  let size = 48
  for (const d of m.data) {
    if (current.length > 0 && size + d.length + 8 > maxBytes) {
      parts.push({ ...m, data: current })
      current = []
      size = 48
    }
    current.push(d)
    size += d.length + 8
  }
  parts.push({ ...m, data: current })
  return parts
}

/**
 * Splits an append whose entries exceed `maxBytes` into consecutive appends that each fit (a single
 * entry larger than `maxBytes` travels alone). Each part is a valid append on its own.
 */
export function splitAppend (m: AppendMessage, maxBytes: number): AppendMessage[] {
  if (approximateSize(m) <= maxBytes || m.entries.length <= 1) return [m]
  const parts: AppendMessage[] = []
  let prevIndex = m.index
  let prevTerm = m.logTerm
  let current: AppendMessage['entries'] = []
  let size = 48
  const flush = (): void => {
    if (current.length === 0) return
    parts.push({ ...m, index: prevIndex, logTerm: prevTerm, entries: current })
    const last = current[current.length - 1] as AppendMessage['entries'][number]
    prevIndex = last.index
    prevTerm = last.term
    current = []
    size = 48
  }
  for (const e of m.entries) {
    const s = e.data.length + 24
    if (size + s > maxBytes) flush()
    current.push(e)
    size += s
  }
  flush()
  return parts
}
