import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum EntryKind {
  NORMAL = 'NORMAL',
  CONF_CHANGE = 'CONF_CHANGE'
}

enum __EntryKindValues {
  NORMAL = 0,
  CONF_CHANGE = 1
}

export namespace EntryKind {
  export const codec = (): Codec<EntryKind> => {
    return enumeration<EntryKind>(__EntryKindValues)
  }
}

export interface Entry {
  term: number
  index: number
  kind: EntryKind
  data: Uint8Array<ArrayBuffer>
}

export namespace Entry {
  let _codec: Codec<Entry>

  export const codec = (): Codec<Entry> => {
    if (_codec == null) {
      _codec = message<Entry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.term != null && obj.term !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.term)
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.index)
        }

        if (obj.kind != null && __EntryKindValues[obj.kind] !== 0) {
          w.uint32(24)
          EntryKind.codec().encode(obj.kind, w)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.data)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          term: 0,
          index: 0,
          kind: EntryKind.NORMAL,
          data: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.term = reader.uint64Number()
              break
            }
            case 2: {
              obj.index = reader.uint64Number()
              break
            }
            case 3: {
              obj.kind = EntryKind.codec().decode(reader)
              break
            }
            case 4: {
              obj.data = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.term`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.kind`,
                value: EntryKind.codec().decode(reader)
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface EntryTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface EntryIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface EntryKindFieldEvent {
    field: '$.kind'
    value: EntryKind
  }

  export interface EntryDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Entry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Entry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Entry {
    return decodeMessage(buf, Entry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Generator<EntryTermFieldEvent | EntryIndexFieldEvent | EntryKindFieldEvent | EntryDataFieldEvent> {
    return streamMessage(buf, Entry.codec(), opts)
  }
}

export interface EntryRun {
  entries: Entry[]
}

export namespace EntryRun {
  let _codec: Codec<EntryRun>

  export const codec = (): Codec<EntryRun> => {
    if (_codec == null) {
      _codec = message<EntryRun>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(10)
            Entry.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          entries: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(Entry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of Entry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface EntryRunEntriesTermFieldEvent {
    field: '$.entries[].term'
    value: number
    index: number
  }

  export interface EntryRunEntriesIndexFieldEvent {
    field: '$.entries[].index'
    value: number
    index: number
  }

  export interface EntryRunEntriesKindFieldEvent {
    field: '$.entries[].kind'
    value: EntryKind
    index: number
  }

  export interface EntryRunEntriesDataFieldEvent {
    field: '$.entries[].data'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<EntryRun>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, EntryRun.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EntryRun>): EntryRun {
    return decodeMessage(buf, EntryRun.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EntryRun>): Generator<EntryRunEntriesTermFieldEvent | EntryRunEntriesIndexFieldEvent | EntryRunEntriesKindFieldEvent | EntryRunEntriesDataFieldEvent> {
    return streamMessage(buf, EntryRun.codec(), opts)
  }
}

export interface HardState {
  term: number
  vote: string
  commit: number
}

export namespace HardState {
  let _codec: Codec<HardState>

  export const codec = (): Codec<HardState> => {
    if (_codec == null) {
      _codec = message<HardState>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.term != null && obj.term !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.term)
        }

        if ((obj.vote != null && obj.vote !== '')) {
          w.uint32(18)
          w.string(obj.vote)
        }

        if ((obj.commit != null && obj.commit !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.commit)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          term: 0,
          vote: '',
          commit: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.term = reader.uint64Number()
              break
            }
            case 2: {
              obj.vote = reader.string()
              break
            }
            case 3: {
              obj.commit = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.term`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.vote`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.commit`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface HardStateTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface HardStateVoteFieldEvent {
    field: '$.vote'
    value: string
  }

  export interface HardStateCommitFieldEvent {
    field: '$.commit'
    value: number
  }

  export function encode (obj: Partial<HardState>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HardState.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HardState>): HardState {
    return decodeMessage(buf, HardState.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HardState>): Generator<HardStateTermFieldEvent | HardStateVoteFieldEvent | HardStateCommitFieldEvent> {
    return streamMessage(buf, HardState.codec(), opts)
  }
}

export interface ConfState {
  voters: string[]
  learners: string[]
}

export namespace ConfState {
  let _codec: Codec<ConfState>

  export const codec = (): Codec<ConfState> => {
    if (_codec == null) {
      _codec = message<ConfState>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.voters != null && obj.voters.length > 0) {
          for (const value of obj.voters) {
            w.uint32(10)
            w.string(value)
          }
        }

        if (obj.learners != null && obj.learners.length > 0) {
          for (const value of obj.learners) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          voters: [],
          learners: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.voters != null && obj.voters.length === opts.limits.voters) {
                throw new MaxLengthError('Decode error - repeated field "voters" had too many elements')
              }

              obj.voters.push(reader.string())
              break
            }
            case 2: {
              if (opts.limits?.learners != null && obj.learners.length === opts.limits.learners) {
                throw new MaxLengthError('Decode error - repeated field "learners" had too many elements')
              }

              obj.learners.push(reader.string())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          voters: 0,
          learners: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.voters != null && obj.voters === opts.limits.voters) {
                throw new MaxLengthError('Streaming decode error - repeated field "voters" had too many elements')
              }

              yield {
                field: `${prefix}.voters[]`,
                index: obj.voters,
                value: reader.string()
              }

              obj.voters++

              break
            }
            case 2: {
              if (opts.limits?.learners != null && obj.learners === opts.limits.learners) {
                throw new MaxLengthError('Streaming decode error - repeated field "learners" had too many elements')
              }

              yield {
                field: `${prefix}.learners[]`,
                index: obj.learners,
                value: reader.string()
              }

              obj.learners++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ConfStateVotersFieldEvent {
    field: '$.voters[]'
    index: number
    value: string
  }

  export interface ConfStateLearnersFieldEvent {
    field: '$.learners[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<ConfState>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ConfState.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ConfState>): ConfState {
    return decodeMessage(buf, ConfState.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ConfState>): Generator<ConfStateVotersFieldEvent | ConfStateLearnersFieldEvent> {
    return streamMessage(buf, ConfState.codec(), opts)
  }
}

export interface SnapshotMetadata {
  index: number
  term: number
  conf?: ConfState
}

export namespace SnapshotMetadata {
  let _codec: Codec<SnapshotMetadata>

  export const codec = (): Codec<SnapshotMetadata> => {
    if (_codec == null) {
      _codec = message<SnapshotMetadata>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.index)
        }

        if ((obj.term != null && obj.term !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.term)
        }

        if (obj.conf != null) {
          w.uint32(26)
          ConfState.codec().encode(obj.conf, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0,
          term: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint64Number()
              break
            }
            case 2: {
              obj.term = reader.uint64Number()
              break
            }
            case 3: {
              obj.conf = ConfState.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.conf
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.term`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield * ConfState.codec().stream(reader, reader.uint32(), `${prefix}.conf`, {
                limits: opts.limits?.conf
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SnapshotMetadataIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface SnapshotMetadataTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface SnapshotMetadataConfVotersFieldEvent {
    field: '$.conf.voters[]'
    index: number
    value: string
  }

  export interface SnapshotMetadataConfLearnersFieldEvent {
    field: '$.conf.learners[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<SnapshotMetadata>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SnapshotMetadata.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotMetadata>): SnapshotMetadata {
    return decodeMessage(buf, SnapshotMetadata.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotMetadata>): Generator<SnapshotMetadataIndexFieldEvent | SnapshotMetadataTermFieldEvent | SnapshotMetadataConfVotersFieldEvent | SnapshotMetadataConfLearnersFieldEvent> {
    return streamMessage(buf, SnapshotMetadata.codec(), opts)
  }
}

export enum MessageKind {
  APPEND = 'APPEND',
  APPEND_RESPONSE = 'APPEND_RESPONSE',
  HEARTBEAT = 'HEARTBEAT',
  HEARTBEAT_RESPONSE = 'HEARTBEAT_RESPONSE',
  VOTE = 'VOTE',
  VOTE_RESPONSE = 'VOTE_RESPONSE',
  PRE_VOTE = 'PRE_VOTE',
  PRE_VOTE_RESPONSE = 'PRE_VOTE_RESPONSE',
  SNAPSHOT = 'SNAPSHOT',
  TIMEOUT_NOW = 'TIMEOUT_NOW',
  READ_INDEX = 'READ_INDEX',
  READ_INDEX_RESPONSE = 'READ_INDEX_RESPONSE',
  PROPOSE = 'PROPOSE'
}

enum __MessageKindValues {
  APPEND = 0,
  APPEND_RESPONSE = 1,
  HEARTBEAT = 2,
  HEARTBEAT_RESPONSE = 3,
  VOTE = 4,
  VOTE_RESPONSE = 5,
  PRE_VOTE = 6,
  PRE_VOTE_RESPONSE = 7,
  SNAPSHOT = 8,
  TIMEOUT_NOW = 9,
  READ_INDEX = 10,
  READ_INDEX_RESPONSE = 11,
  PROPOSE = 12
}

export namespace MessageKind {
  export const codec = (): Codec<MessageKind> => {
    return enumeration<MessageKind>(__MessageKindValues)
  }
}

export interface RaftMessage {
  kind: MessageKind
  term: number
  index: number
  logTerm: number
  entries: Entry[]
  commit: number
  reject: boolean
  rejectHint: number
  context?: Uint8Array<ArrayBuffer>
  transfer: boolean
  proposeEpoch: number
  proposeSeq: number
  proposals: Uint8Array<ArrayBuffer>[]
}

export namespace RaftMessage {
  let _codec: Codec<RaftMessage>

  export const codec = (): Codec<RaftMessage> => {
    if (_codec == null) {
      _codec = message<RaftMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __MessageKindValues[obj.kind] !== 0) {
          w.uint32(8)
          MessageKind.codec().encode(obj.kind, w)
        }

        if ((obj.term != null && obj.term !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.term)
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.index)
        }

        if ((obj.logTerm != null && obj.logTerm !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.logTerm)
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(42)
            Entry.codec().encode(value, w)
          }
        }

        if ((obj.commit != null && obj.commit !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.commit)
        }

        if ((obj.reject != null && obj.reject !== false)) {
          w.uint32(56)
          w.bool(obj.reject)
        }

        if ((obj.rejectHint != null && obj.rejectHint !== 0)) {
          w.uint32(64)
          w.uint64Number(obj.rejectHint)
        }

        if (obj.context != null) {
          w.uint32(74)
          w.bytes(obj.context)
        }

        if ((obj.transfer != null && obj.transfer !== false)) {
          w.uint32(80)
          w.bool(obj.transfer)
        }

        if ((obj.proposeEpoch != null && obj.proposeEpoch !== 0)) {
          w.uint32(88)
          w.uint32(obj.proposeEpoch)
        }

        if ((obj.proposeSeq != null && obj.proposeSeq !== 0)) {
          w.uint32(96)
          w.uint64Number(obj.proposeSeq)
        }

        if (obj.proposals != null && obj.proposals.length > 0) {
          for (const value of obj.proposals) {
            w.uint32(106)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: MessageKind.APPEND,
          term: 0,
          index: 0,
          logTerm: 0,
          entries: [],
          commit: 0,
          reject: false,
          rejectHint: 0,
          transfer: false,
          proposeEpoch: 0,
          proposeSeq: 0,
          proposals: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = MessageKind.codec().decode(reader)
              break
            }
            case 2: {
              obj.term = reader.uint64Number()
              break
            }
            case 3: {
              obj.index = reader.uint64Number()
              break
            }
            case 4: {
              obj.logTerm = reader.uint64Number()
              break
            }
            case 5: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(Entry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            case 6: {
              obj.commit = reader.uint64Number()
              break
            }
            case 7: {
              obj.reject = reader.bool()
              break
            }
            case 8: {
              obj.rejectHint = reader.uint64Number()
              break
            }
            case 9: {
              obj.context = reader.bytes()
              break
            }
            case 10: {
              obj.transfer = reader.bool()
              break
            }
            case 11: {
              obj.proposeEpoch = reader.uint32()
              break
            }
            case 12: {
              obj.proposeSeq = reader.uint64Number()
              break
            }
            case 13: {
              if (opts.limits?.proposals != null && obj.proposals.length === opts.limits.proposals) {
                throw new MaxLengthError('Decode error - repeated field "proposals" had too many elements')
              }

              obj.proposals.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          entries: 0,
          proposals: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: MessageKind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.term`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.logTerm`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of Entry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.commit`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.reject`,
                value: reader.bool()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.rejectHint`,
                value: reader.uint64Number()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.context`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.transfer`,
                value: reader.bool()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.proposeEpoch`,
                value: reader.uint32()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.proposeSeq`,
                value: reader.uint64Number()
              }
              break
            }
            case 13: {
              if (opts.limits?.proposals != null && obj.proposals === opts.limits.proposals) {
                throw new MaxLengthError('Streaming decode error - repeated field "proposals" had too many elements')
              }

              yield {
                field: `${prefix}.proposals[]`,
                index: obj.proposals,
                value: reader.bytes()
              }

              obj.proposals++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RaftMessageKindFieldEvent {
    field: '$.kind'
    value: MessageKind
  }

  export interface RaftMessageTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface RaftMessageIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface RaftMessageLogTermFieldEvent {
    field: '$.logTerm'
    value: number
  }

  export interface RaftMessageEntriesTermFieldEvent {
    field: '$.entries[].term'
    value: number
    index: number
  }

  export interface RaftMessageEntriesIndexFieldEvent {
    field: '$.entries[].index'
    value: number
    index: number
  }

  export interface RaftMessageEntriesKindFieldEvent {
    field: '$.entries[].kind'
    value: EntryKind
    index: number
  }

  export interface RaftMessageEntriesDataFieldEvent {
    field: '$.entries[].data'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RaftMessageCommitFieldEvent {
    field: '$.commit'
    value: number
  }

  export interface RaftMessageRejectFieldEvent {
    field: '$.reject'
    value: boolean
  }

  export interface RaftMessageRejectHintFieldEvent {
    field: '$.rejectHint'
    value: number
  }

  export interface RaftMessageContextFieldEvent {
    field: '$.context'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RaftMessageTransferFieldEvent {
    field: '$.transfer'
    value: boolean
  }

  export interface RaftMessageProposeEpochFieldEvent {
    field: '$.proposeEpoch'
    value: number
  }

  export interface RaftMessageProposeSeqFieldEvent {
    field: '$.proposeSeq'
    value: number
  }

  export interface RaftMessageProposalsFieldEvent {
    field: '$.proposals[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RaftMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RaftMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RaftMessage>): RaftMessage {
    return decodeMessage(buf, RaftMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RaftMessage>): Generator<RaftMessageKindFieldEvent | RaftMessageTermFieldEvent | RaftMessageIndexFieldEvent | RaftMessageLogTermFieldEvent | RaftMessageEntriesTermFieldEvent | RaftMessageEntriesIndexFieldEvent | RaftMessageEntriesKindFieldEvent | RaftMessageEntriesDataFieldEvent | RaftMessageCommitFieldEvent | RaftMessageRejectFieldEvent | RaftMessageRejectHintFieldEvent | RaftMessageContextFieldEvent | RaftMessageTransferFieldEvent | RaftMessageProposeEpochFieldEvent | RaftMessageProposeSeqFieldEvent | RaftMessageProposalsFieldEvent> {
    return streamMessage(buf, RaftMessage.codec(), opts)
  }
}

export interface MessageBatch {
  messages: RaftMessage[]
}

export namespace MessageBatch {
  let _codec: Codec<MessageBatch>

  export const codec = (): Codec<MessageBatch> => {
    if (_codec == null) {
      _codec = message<MessageBatch>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.messages != null && obj.messages.length > 0) {
          for (const value of obj.messages) {
            w.uint32(10)
            RaftMessage.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          messages: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.messages != null && obj.messages.length === opts.limits.messages) {
                throw new MaxLengthError('Decode error - repeated field "messages" had too many elements')
              }

              obj.messages.push(RaftMessage.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.messages$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          messages: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.messages != null && obj.messages === opts.limits.messages) {
                throw new MaxLengthError('Streaming decode error - repeated field "messages" had too many elements')
              }

              for (const evt of RaftMessage.codec().stream(reader, reader.uint32(), `${prefix}.messages[]`, {
                limits: opts.limits?.messages$
              })) {
                yield {
                  ...evt,
                  index: obj.messages
                }
              }

              obj.messages++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MessageBatchMessagesKindFieldEvent {
    field: '$.messages[].kind'
    value: MessageKind
    index: number
  }

  export interface MessageBatchMessagesTermFieldEvent {
    field: '$.messages[].term'
    value: number
    index: number
  }

  export interface MessageBatchMessagesIndexFieldEvent {
    field: '$.messages[].index'
    value: number
    index: number
  }

  export interface MessageBatchMessagesLogTermFieldEvent {
    field: '$.messages[].logTerm'
    value: number
    index: number
  }

  export interface MessageBatchMessagesEntriesTermFieldEvent {
    field: '$.messages[].entries[].term'
    value: number
    index: number
  }

  export interface MessageBatchMessagesEntriesIndexFieldEvent {
    field: '$.messages[].entries[].index'
    value: number
    index: number
  }

  export interface MessageBatchMessagesEntriesKindFieldEvent {
    field: '$.messages[].entries[].kind'
    value: EntryKind
    index: number
  }

  export interface MessageBatchMessagesEntriesDataFieldEvent {
    field: '$.messages[].entries[].data'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface MessageBatchMessagesCommitFieldEvent {
    field: '$.messages[].commit'
    value: number
    index: number
  }

  export interface MessageBatchMessagesRejectFieldEvent {
    field: '$.messages[].reject'
    value: boolean
    index: number
  }

  export interface MessageBatchMessagesRejectHintFieldEvent {
    field: '$.messages[].rejectHint'
    value: number
    index: number
  }

  export interface MessageBatchMessagesContextFieldEvent {
    field: '$.messages[].context'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface MessageBatchMessagesTransferFieldEvent {
    field: '$.messages[].transfer'
    value: boolean
    index: number
  }

  export interface MessageBatchMessagesProposeEpochFieldEvent {
    field: '$.messages[].proposeEpoch'
    value: number
    index: number
  }

  export interface MessageBatchMessagesProposeSeqFieldEvent {
    field: '$.messages[].proposeSeq'
    value: number
    index: number
  }

  export interface MessageBatchMessagesProposalsFieldEvent {
    field: '$.messages[].proposals[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<MessageBatch>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MessageBatch.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessageBatch>): MessageBatch {
    return decodeMessage(buf, MessageBatch.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessageBatch>): Generator<MessageBatchMessagesKindFieldEvent | MessageBatchMessagesTermFieldEvent | MessageBatchMessagesIndexFieldEvent | MessageBatchMessagesLogTermFieldEvent | MessageBatchMessagesEntriesTermFieldEvent | MessageBatchMessagesEntriesIndexFieldEvent | MessageBatchMessagesEntriesKindFieldEvent | MessageBatchMessagesEntriesDataFieldEvent | MessageBatchMessagesCommitFieldEvent | MessageBatchMessagesRejectFieldEvent | MessageBatchMessagesRejectHintFieldEvent | MessageBatchMessagesContextFieldEvent | MessageBatchMessagesTransferFieldEvent | MessageBatchMessagesProposeEpochFieldEvent | MessageBatchMessagesProposeSeqFieldEvent | MessageBatchMessagesProposalsFieldEvent> {
    return streamMessage(buf, MessageBatch.codec(), opts)
  }
}

export interface SnapshotOffer {
  term: number
  metadata?: SnapshotMetadata
  size: number
}

export namespace SnapshotOffer {
  let _codec: Codec<SnapshotOffer>

  export const codec = (): Codec<SnapshotOffer> => {
    if (_codec == null) {
      _codec = message<SnapshotOffer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.term != null && obj.term !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.term)
        }

        if (obj.metadata != null) {
          w.uint32(18)
          SnapshotMetadata.codec().encode(obj.metadata, w)
        }

        if ((obj.size != null && obj.size !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.size)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          term: 0,
          size: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.term = reader.uint64Number()
              break
            }
            case 2: {
              obj.metadata = SnapshotMetadata.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.metadata
              })
              break
            }
            case 3: {
              obj.size = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.term`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield * SnapshotMetadata.codec().stream(reader, reader.uint32(), `${prefix}.metadata`, {
                limits: opts.limits?.metadata
              })

              break
            }
            case 3: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SnapshotOfferTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface SnapshotOfferMetadataIndexFieldEvent {
    field: '$.metadata.index'
    value: number
  }

  export interface SnapshotOfferMetadataTermFieldEvent {
    field: '$.metadata.term'
    value: number
  }

  export interface SnapshotOfferMetadataConfVotersFieldEvent {
    field: '$.metadata.conf.voters[]'
    index: number
    value: string
  }

  export interface SnapshotOfferMetadataConfLearnersFieldEvent {
    field: '$.metadata.conf.learners[]'
    index: number
    value: string
  }

  export interface SnapshotOfferSizeFieldEvent {
    field: '$.size'
    value: number
  }

  export function encode (obj: Partial<SnapshotOffer>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SnapshotOffer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotOffer>): SnapshotOffer {
    return decodeMessage(buf, SnapshotOffer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotOffer>): Generator<SnapshotOfferTermFieldEvent | SnapshotOfferMetadataIndexFieldEvent | SnapshotOfferMetadataTermFieldEvent | SnapshotOfferMetadataConfVotersFieldEvent | SnapshotOfferMetadataConfLearnersFieldEvent | SnapshotOfferSizeFieldEvent> {
    return streamMessage(buf, SnapshotOffer.codec(), opts)
  }
}

export interface SnapshotResume {
  offset: number
}

export namespace SnapshotResume {
  let _codec: Codec<SnapshotResume>

  export const codec = (): Codec<SnapshotResume> => {
    if (_codec == null) {
      _codec = message<SnapshotResume>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.offset != null && obj.offset !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.offset)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          offset: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.offset = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.offset`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SnapshotResumeOffsetFieldEvent {
    field: '$.offset'
    value: number
  }

  export function encode (obj: Partial<SnapshotResume>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SnapshotResume.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotResume>): SnapshotResume {
    return decodeMessage(buf, SnapshotResume.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotResume>): Generator<SnapshotResumeOffsetFieldEvent> {
    return streamMessage(buf, SnapshotResume.codec(), opts)
  }
}

export interface SnapshotChunk {
  offset: number
  data: Uint8Array<ArrayBuffer>
}

export namespace SnapshotChunk {
  let _codec: Codec<SnapshotChunk>

  export const codec = (): Codec<SnapshotChunk> => {
    if (_codec == null) {
      _codec = message<SnapshotChunk>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.offset != null && obj.offset !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.offset)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.data)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          offset: 0,
          data: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.offset = reader.uint64Number()
              break
            }
            case 2: {
              obj.data = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.offset`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SnapshotChunkOffsetFieldEvent {
    field: '$.offset'
    value: number
  }

  export interface SnapshotChunkDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SnapshotChunk>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SnapshotChunk.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotChunk>): SnapshotChunk {
    return decodeMessage(buf, SnapshotChunk.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotChunk>): Generator<SnapshotChunkOffsetFieldEvent | SnapshotChunkDataFieldEvent> {
    return streamMessage(buf, SnapshotChunk.codec(), opts)
  }
}

export interface SnapshotDone {
  accepted: boolean
}

export namespace SnapshotDone {
  let _codec: Codec<SnapshotDone>

  export const codec = (): Codec<SnapshotDone> => {
    if (_codec == null) {
      _codec = message<SnapshotDone>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.accepted != null && obj.accepted !== false)) {
          w.uint32(8)
          w.bool(obj.accepted)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          accepted: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.accepted = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.accepted`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SnapshotDoneAcceptedFieldEvent {
    field: '$.accepted'
    value: boolean
  }

  export function encode (obj: Partial<SnapshotDone>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SnapshotDone.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotDone>): SnapshotDone {
    return decodeMessage(buf, SnapshotDone.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotDone>): Generator<SnapshotDoneAcceptedFieldEvent> {
    return streamMessage(buf, SnapshotDone.codec(), opts)
  }
}

export enum ClientOp {
  PROPOSE = 'PROPOSE',
  INFO = 'INFO',
  JOIN = 'JOIN',
  REMOVE = 'REMOVE',
  TRANSFER = 'TRANSFER'
}

enum __ClientOpValues {
  PROPOSE = 0,
  INFO = 1,
  JOIN = 2,
  REMOVE = 3,
  TRANSFER = 4
}

export namespace ClientOp {
  export const codec = (): Codec<ClientOp> => {
    return enumeration<ClientOp>(__ClientOpValues)
  }
}

export interface ClientRequest {
  id: bigint
  op: ClientOp
  command: Uint8Array<ArrayBuffer>
  peer: string
}

export namespace ClientRequest {
  let _codec: Codec<ClientRequest>

  export const codec = (): Codec<ClientRequest> => {
    if (_codec == null) {
      _codec = message<ClientRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0n)) {
          w.uint32(8)
          w.uint64(obj.id)
        }

        if (obj.op != null && __ClientOpValues[obj.op] !== 0) {
          w.uint32(16)
          ClientOp.codec().encode(obj.op, w)
        }

        if ((obj.command != null && obj.command.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.command)
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(34)
          w.string(obj.peer)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0n,
          op: ClientOp.PROPOSE,
          command: uint8ArrayAlloc(0),
          peer: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.uint64()
              break
            }
            case 2: {
              obj.op = ClientOp.codec().decode(reader)
              break
            }
            case 3: {
              obj.command = reader.bytes()
              break
            }
            case 4: {
              obj.peer = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.op`,
                value: ClientOp.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.command`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.peer`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ClientRequestIdFieldEvent {
    field: '$.id'
    value: bigint
  }

  export interface ClientRequestOpFieldEvent {
    field: '$.op'
    value: ClientOp
  }

  export interface ClientRequestCommandFieldEvent {
    field: '$.command'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ClientRequestPeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export function encode (obj: Partial<ClientRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ClientRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClientRequest>): ClientRequest {
    return decodeMessage(buf, ClientRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClientRequest>): Generator<ClientRequestIdFieldEvent | ClientRequestOpFieldEvent | ClientRequestCommandFieldEvent | ClientRequestPeerFieldEvent> {
    return streamMessage(buf, ClientRequest.codec(), opts)
  }
}

export interface ClientResponse {
  id: bigint
  error: string
  message: string
  leader: string
  result: Uint8Array<ArrayBuffer>
}

export namespace ClientResponse {
  let _codec: Codec<ClientResponse>

  export const codec = (): Codec<ClientResponse> => {
    if (_codec == null) {
      _codec = message<ClientResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0n)) {
          w.uint32(8)
          w.uint64(obj.id)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(18)
          w.string(obj.error)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(26)
          w.string(obj.message)
        }

        if ((obj.leader != null && obj.leader !== '')) {
          w.uint32(34)
          w.string(obj.leader)
        }

        if ((obj.result != null && obj.result.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.result)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0n,
          error: '',
          message: '',
          leader: '',
          result: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.uint64()
              break
            }
            case 2: {
              obj.error = reader.string()
              break
            }
            case 3: {
              obj.message = reader.string()
              break
            }
            case 4: {
              obj.leader = reader.string()
              break
            }
            case 5: {
              obj.result = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.error`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.message`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.leader`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.result`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ClientResponseIdFieldEvent {
    field: '$.id'
    value: bigint
  }

  export interface ClientResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export interface ClientResponseMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export interface ClientResponseLeaderFieldEvent {
    field: '$.leader'
    value: string
  }

  export interface ClientResponseResultFieldEvent {
    field: '$.result'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ClientResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ClientResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClientResponse>): ClientResponse {
    return decodeMessage(buf, ClientResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClientResponse>): Generator<ClientResponseIdFieldEvent | ClientResponseErrorFieldEvent | ClientResponseMessageFieldEvent | ClientResponseLeaderFieldEvent | ClientResponseResultFieldEvent> {
    return streamMessage(buf, ClientResponse.codec(), opts)
  }
}
