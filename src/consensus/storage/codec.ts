/**
 * Byte encodings of what Raft storage keeps (protobuf messages of `pb/raft.proto`), shared by the
 * durable storage and the transport. Decoders throw `MalformedRaftDataError` for bytes that are not
 * a well-formed value (e.g. an index beyond the safe integer range).
 */
import * as pb from '../pb/raft.js'
import type { ConfState, Entry, HardState, SnapshotMetadata } from '../core/index.js'

export class MalformedRaftDataError extends Error {
  override name = 'MalformedRaftDataError'
}

/** A uint64 from the wire, which must be a safe JS integer. */
export function toSafe (n: number, field: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new MalformedRaftDataError(`${field} ${n} is beyond the safe integer range`)
  return n
}

export function entryToPb (e: Entry): pb.Entry {
  return { term: e.term, index: e.index, kind: e.type === 'conf-change' ? pb.EntryKind.CONF_CHANGE : pb.EntryKind.NORMAL, data: e.data as Uint8Array<ArrayBuffer> }
}

export function entryFromPb (e: pb.Entry): Entry {
  return { term: toSafe(e.term, 'entry term'), index: toSafe(e.index, 'entry index'), type: e.kind === pb.EntryKind.CONF_CHANGE ? 'conf-change' : 'normal', data: e.data }
}

export function encodeEntry (e: Entry): Uint8Array {
  return pb.Entry.encode(entryToPb(e))
}

export function decodeEntry (bytes: Uint8Array): Entry {
  try {
    return entryFromPb(pb.Entry.decode(bytes))
  } catch (err) {
    if (err instanceof MalformedRaftDataError) throw err
    throw new MalformedRaftDataError(`malformed entry: ${(err as Error).message}`)
  }
}

/** Consecutive entries as one storage record. */
export function encodeEntryRun (entries: Entry[]): Uint8Array {
  return pb.EntryRun.encode({ entries: entries.map(entryToPb) })
}

/** The entries of a record made by `encodeEntryRun`; MalformedRaftDataError unless they are consecutive from `first`. */
export function decodeEntryRun (bytes: Uint8Array, first: number): Entry[] {
  let entries: Entry[]
  try {
    entries = pb.EntryRun.decode(bytes).entries.map(entryFromPb)
  } catch (err) {
    if (err instanceof MalformedRaftDataError) throw err
    throw new MalformedRaftDataError(`malformed entry run: ${(err as Error).message}`)
  }
  entries.forEach((e, i) => { if (e.index !== first + i) throw new MalformedRaftDataError(`entry run at ${first} is not consecutive`) })
  return entries
}

export function encodeHardState (hs: HardState): Uint8Array {
  return pb.HardState.encode({ term: hs.term, vote: hs.vote, commit: hs.commit })
}

export function decodeHardState (bytes: Uint8Array): HardState {
  let h: pb.HardState
  try {
    h = pb.HardState.decode(bytes)
  } catch (err) {
    throw new MalformedRaftDataError(`malformed hard state: ${(err as Error).message}`)
  }
  return { term: toSafe(h.term, 'term'), vote: h.vote, commit: toSafe(h.commit, 'commit') }
}

export function metadataToPb (m: SnapshotMetadata): pb.SnapshotMetadata {
  return { index: m.index, term: m.term, conf: { voters: m.conf.voters.slice(), learners: m.conf.learners.slice() } }
}

export function metadataFromPb (m: pb.SnapshotMetadata | undefined): SnapshotMetadata {
  if (m === undefined) throw new MalformedRaftDataError('snapshot metadata missing')
  const conf: ConfState = { voters: m.conf?.voters ?? [], learners: m.conf?.learners ?? [] }
  return { index: toSafe(m.index, 'snapshot index'), term: toSafe(m.term, 'snapshot term'), conf }
}

export function encodeMetadata (m: SnapshotMetadata): Uint8Array {
  return pb.SnapshotMetadata.encode(metadataToPb(m))
}

export function decodeMetadata (bytes: Uint8Array): SnapshotMetadata {
  try {
    return metadataFromPb(pb.SnapshotMetadata.decode(bytes))
  } catch (err) {
    if (err instanceof MalformedRaftDataError) throw err
    throw new MalformedRaftDataError(`malformed snapshot metadata: ${(err as Error).message}`)
  }
}
