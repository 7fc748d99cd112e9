import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface SyncMessage {
  ranges: SyncRange[]
  wants: string[]
  entries: SyncEntry[]
  endOfTurn: boolean
}

export namespace SyncMessage {
  let _codec: Codec<SyncMessage>

  export const codec = (): Codec<SyncMessage> => {
    if (_codec == null) {
      _codec = message<SyncMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.ranges != null && obj.ranges.length > 0) {
          for (const value of obj.ranges) {
            w.uint32(10)
            SyncRange.codec().encode(value, w)
          }
        }

        if (obj.wants != null && obj.wants.length > 0) {
          for (const value of obj.wants) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(26)
            SyncEntry.codec().encode(value, w)
          }
        }

        if ((obj.endOfTurn != null && obj.endOfTurn !== false)) {
          w.uint32(32)
          w.bool(obj.endOfTurn)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ranges: [],
          wants: [],
          entries: [],
          endOfTurn: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ranges != null && obj.ranges.length === opts.limits.ranges) {
                throw new MaxLengthError('Decode error - repeated field "ranges" had too many elements')
              }

              obj.ranges.push(SyncRange.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ranges$
              }))
              break
            }
            case 2: {
              if (opts.limits?.wants != null && obj.wants.length === opts.limits.wants) {
                throw new MaxLengthError('Decode error - repeated field "wants" had too many elements')
              }

              obj.wants.push(reader.string())
              break
            }
            case 3: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(SyncEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            case 4: {
              obj.endOfTurn = reader.bool()
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
          ranges: 0,
          wants: 0,
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ranges != null && obj.ranges === opts.limits.ranges) {
                throw new MaxLengthError('Streaming decode error - repeated field "ranges" had too many elements')
              }

              for (const evt of SyncRange.codec().stream(reader, reader.uint32(), `${prefix}.ranges[]`, {
                limits: opts.limits?.ranges$
              })) {
                yield {
                  ...evt,
                  index: obj.ranges
                }
              }

              obj.ranges++

              break
            }
            case 2: {
              if (opts.limits?.wants != null && obj.wants === opts.limits.wants) {
                throw new MaxLengthError('Streaming decode error - repeated field "wants" had too many elements')
              }

              yield {
                field: `${prefix}.wants[]`,
                index: obj.wants,
                value: reader.string()
              }

              obj.wants++

              break
            }
            case 3: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of SyncEntry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
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
            case 4: {
              yield {
                field: `${prefix}.endOfTurn`,
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

  export interface SyncMessageRangesLowerFieldEvent {
    field: '$.ranges[].lower'
    value: string
    index: number
  }

  export interface SyncMessageRangesUpperFieldEvent {
    field: '$.ranges[].upper'
    value: string
    index: number
  }

  export interface SyncMessageRangesFingerprintFieldEvent {
    field: '$.ranges[].fingerprint'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncMessageRangesCountFieldEvent {
    field: '$.ranges[].count'
    value: number
    index: number
  }

  export interface SyncMessageRangesItemsKeyFieldEvent {
    field: '$.ranges[].items[].key'
    value: string
    index: number
  }

  export interface SyncMessageRangesItemsVersionFieldEvent {
    field: '$.ranges[].items[].version'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncMessageWantsFieldEvent {
    field: '$.wants[]'
    index: number
    value: string
  }

  export interface SyncMessageEntriesKeyFieldEvent {
    field: '$.entries[].key'
    value: string
    index: number
  }

  export interface SyncMessageEntriesVersionFieldEvent {
    field: '$.entries[].version'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncMessageEntriesPayloadFieldEvent {
    field: '$.entries[].payload'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncMessageEndOfTurnFieldEvent {
    field: '$.endOfTurn'
    value: boolean
  }

  export function encode (obj: Partial<SyncMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncMessage>): SyncMessage {
    return decodeMessage(buf, SyncMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncMessage>): Generator<SyncMessageRangesLowerFieldEvent | SyncMessageRangesUpperFieldEvent | SyncMessageRangesFingerprintFieldEvent | SyncMessageRangesCountFieldEvent | SyncMessageRangesItemsKeyFieldEvent | SyncMessageRangesItemsVersionFieldEvent | SyncMessageWantsFieldEvent | SyncMessageEntriesKeyFieldEvent | SyncMessageEntriesVersionFieldEvent | SyncMessageEntriesPayloadFieldEvent | SyncMessageEndOfTurnFieldEvent> {
    return streamMessage(buf, SyncMessage.codec(), opts)
  }
}

export interface SyncRange {
  lower?: string
  upper?: string
  fingerprint?: Uint8Array<ArrayBuffer>
  count: number
  items: KeyVersion[]
}

export namespace SyncRange {
  let _codec: Codec<SyncRange>

  export const codec = (): Codec<SyncRange> => {
    if (_codec == null) {
      _codec = message<SyncRange>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.lower != null) {
          w.uint32(10)
          w.string(obj.lower)
        }

        if (obj.upper != null) {
          w.uint32(18)
          w.string(obj.upper)
        }

        if (obj.fingerprint != null) {
          w.uint32(26)
          w.bytes(obj.fingerprint)
        }

        if ((obj.count != null && obj.count !== 0)) {
          w.uint32(32)
          w.uint32(obj.count)
        }

        if (obj.items != null && obj.items.length > 0) {
          for (const value of obj.items) {
            w.uint32(42)
            KeyVersion.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          count: 0,
          items: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.lower = reader.string()
              break
            }
            case 2: {
              obj.upper = reader.string()
              break
            }
            case 3: {
              obj.fingerprint = reader.bytes()
              break
            }
            case 4: {
              obj.count = reader.uint32()
              break
            }
            case 5: {
              if (opts.limits?.items != null && obj.items.length === opts.limits.items) {
                throw new MaxLengthError('Decode error - repeated field "items" had too many elements')
              }

              obj.items.push(KeyVersion.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.items$
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
          items: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.lower`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.upper`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.fingerprint`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.count`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              if (opts.limits?.items != null && obj.items === opts.limits.items) {
                throw new MaxLengthError('Streaming decode error - repeated field "items" had too many elements')
              }

              for (const evt of KeyVersion.codec().stream(reader, reader.uint32(), `${prefix}.items[]`, {
                limits: opts.limits?.items$
              })) {
                yield {
                  ...evt,
                  index: obj.items
                }
              }

              obj.items++

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

  export interface SyncRangeLowerFieldEvent {
    field: '$.lower'
    value: string
  }

  export interface SyncRangeUpperFieldEvent {
    field: '$.upper'
    value: string
  }

  export interface SyncRangeFingerprintFieldEvent {
    field: '$.fingerprint'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncRangeCountFieldEvent {
    field: '$.count'
    value: number
  }

  export interface SyncRangeItemsKeyFieldEvent {
    field: '$.items[].key'
    value: string
    index: number
  }

  export interface SyncRangeItemsVersionFieldEvent {
    field: '$.items[].version'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<SyncRange>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncRange.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncRange>): SyncRange {
    return decodeMessage(buf, SyncRange.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncRange>): Generator<SyncRangeLowerFieldEvent | SyncRangeUpperFieldEvent | SyncRangeFingerprintFieldEvent | SyncRangeCountFieldEvent | SyncRangeItemsKeyFieldEvent | SyncRangeItemsVersionFieldEvent> {
    return streamMessage(buf, SyncRange.codec(), opts)
  }
}

export interface KeyVersion {
  key: string
  version: Uint8Array<ArrayBuffer>
}

export namespace KeyVersion {
  let _codec: Codec<KeyVersion>

  export const codec = (): Codec<KeyVersion> => {
    if (_codec == null) {
      _codec = message<KeyVersion>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key !== '')) {
          w.uint32(10)
          w.string(obj.key)
        }

        if ((obj.version != null && obj.version.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.version)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: '',
          version: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.string()
              break
            }
            case 2: {
              obj.version = reader.bytes()
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
                field: `${prefix}.key`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.version`,
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

  export interface KeyVersionKeyFieldEvent {
    field: '$.key'
    value: string
  }

  export interface KeyVersionVersionFieldEvent {
    field: '$.version'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<KeyVersion>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, KeyVersion.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyVersion>): KeyVersion {
    return decodeMessage(buf, KeyVersion.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyVersion>): Generator<KeyVersionKeyFieldEvent | KeyVersionVersionFieldEvent> {
    return streamMessage(buf, KeyVersion.codec(), opts)
  }
}

export interface SyncEntry {
  key: string
  version: Uint8Array<ArrayBuffer>
  payload: Uint8Array<ArrayBuffer>
}

export namespace SyncEntry {
  let _codec: Codec<SyncEntry>

  export const codec = (): Codec<SyncEntry> => {
    if (_codec == null) {
      _codec = message<SyncEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key !== '')) {
          w.uint32(10)
          w.string(obj.key)
        }

        if ((obj.version != null && obj.version.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.version)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.payload)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: '',
          version: uint8ArrayAlloc(0),
          payload: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.string()
              break
            }
            case 2: {
              obj.version = reader.bytes()
              break
            }
            case 3: {
              obj.payload = reader.bytes()
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
                field: `${prefix}.key`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.version`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.payload`,
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

  export interface SyncEntryKeyFieldEvent {
    field: '$.key'
    value: string
  }

  export interface SyncEntryVersionFieldEvent {
    field: '$.version'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncEntryPayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SyncEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncEntry>): SyncEntry {
    return decodeMessage(buf, SyncEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncEntry>): Generator<SyncEntryKeyFieldEvent | SyncEntryVersionFieldEvent | SyncEntryPayloadFieldEvent> {
    return streamMessage(buf, SyncEntry.codec(), opts)
  }
}
