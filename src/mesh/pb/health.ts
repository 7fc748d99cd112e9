import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Heartbeat {
  bootId: string
  seq: bigint
  load?: number
  capacity?: number
  latencyMs?: number
  suspects: string[]
  leaving: boolean
}

export namespace Heartbeat {
  let _codec: Codec<Heartbeat>

  export const codec = (): Codec<Heartbeat> => {
    if (_codec == null) {
      _codec = message<Heartbeat>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.bootId != null && obj.bootId !== '')) {
          w.uint32(10)
          w.string(obj.bootId)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(16)
          w.uint64(obj.seq)
        }

        if (obj.load != null) {
          w.uint32(25)
          w.double(obj.load)
        }

        if (obj.capacity != null) {
          w.uint32(33)
          w.double(obj.capacity)
        }

        if (obj.latencyMs != null) {
          w.uint32(41)
          w.double(obj.latencyMs)
        }

        if (obj.suspects != null && obj.suspects.length > 0) {
          for (const value of obj.suspects) {
            w.uint32(50)
            w.string(value)
          }
        }

        if ((obj.leaving != null && obj.leaving !== false)) {
          w.uint32(56)
          w.bool(obj.leaving)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          bootId: '',
          seq: 0n,
          suspects: [],
          leaving: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.bootId = reader.string()
              break
            }
            case 2: {
              obj.seq = reader.uint64()
              break
            }
            case 3: {
              obj.load = reader.double()
              break
            }
            case 4: {
              obj.capacity = reader.double()
              break
            }
            case 5: {
              obj.latencyMs = reader.double()
              break
            }
            case 6: {
              if (opts.limits?.suspects != null && obj.suspects.length === opts.limits.suspects) {
                throw new MaxLengthError('Decode error - repeated field "suspects" had too many elements')
              }

              obj.suspects.push(reader.string())
              break
            }
            case 7: {
              obj.leaving = reader.bool()
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
          suspects: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.bootId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.load`,
                value: reader.double()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.capacity`,
                value: reader.double()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.latencyMs`,
                value: reader.double()
              }
              break
            }
            case 6: {
              if (opts.limits?.suspects != null && obj.suspects === opts.limits.suspects) {
                throw new MaxLengthError('Streaming decode error - repeated field "suspects" had too many elements')
              }

              yield {
                field: `${prefix}.suspects[]`,
                index: obj.suspects,
                value: reader.string()
              }

              obj.suspects++

              break
            }
            case 7: {
              yield {
                field: `${prefix}.leaving`,
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

  export interface HeartbeatBootIdFieldEvent {
    field: '$.bootId'
    value: string
  }

  export interface HeartbeatSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface HeartbeatLoadFieldEvent {
    field: '$.load'
    value: number
  }

  export interface HeartbeatCapacityFieldEvent {
    field: '$.capacity'
    value: number
  }

  export interface HeartbeatLatencyMsFieldEvent {
    field: '$.latencyMs'
    value: number
  }

  export interface HeartbeatSuspectsFieldEvent {
    field: '$.suspects[]'
    index: number
    value: string
  }

  export interface HeartbeatLeavingFieldEvent {
    field: '$.leaving'
    value: boolean
  }

  export function encode (obj: Partial<Heartbeat>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Heartbeat.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Heartbeat>): Heartbeat {
    return decodeMessage(buf, Heartbeat.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Heartbeat>): Generator<HeartbeatBootIdFieldEvent | HeartbeatSeqFieldEvent | HeartbeatLoadFieldEvent | HeartbeatCapacityFieldEvent | HeartbeatLatencyMsFieldEvent | HeartbeatSuspectsFieldEvent | HeartbeatLeavingFieldEvent> {
    return streamMessage(buf, Heartbeat.codec(), opts)
  }
}
