import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface PeerExchangeMessage {
  peers: ExchangedPeer[]
  selfAddrs: Uint8Array<ArrayBuffer>[]
  announce: boolean
}

export namespace PeerExchangeMessage {
  let _codec: Codec<PeerExchangeMessage>

  export const codec = (): Codec<PeerExchangeMessage> => {
    if (_codec == null) {
      _codec = message<PeerExchangeMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.peers != null && obj.peers.length > 0) {
          for (const value of obj.peers) {
            w.uint32(10)
            ExchangedPeer.codec().encode(value, w)
          }
        }

        if (obj.selfAddrs != null && obj.selfAddrs.length > 0) {
          for (const value of obj.selfAddrs) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if ((obj.announce != null && obj.announce !== false)) {
          w.uint32(24)
          w.bool(obj.announce)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peers: [],
          selfAddrs: [],
          announce: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.peers != null && obj.peers.length === opts.limits.peers) {
                throw new MaxLengthError('Decode error - repeated field "peers" had too many elements')
              }

              obj.peers.push(ExchangedPeer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.peers$
              }))
              break
            }
            case 2: {
              if (opts.limits?.selfAddrs != null && obj.selfAddrs.length === opts.limits.selfAddrs) {
                throw new MaxLengthError('Decode error - repeated field "selfAddrs" had too many elements')
              }

              obj.selfAddrs.push(reader.bytes())
              break
            }
            case 3: {
              obj.announce = reader.bool()
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
          peers: 0,
          selfAddrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.peers != null && obj.peers === opts.limits.peers) {
                throw new MaxLengthError('Streaming decode error - repeated field "peers" had too many elements')
              }

              for (const evt of ExchangedPeer.codec().stream(reader, reader.uint32(), `${prefix}.peers[]`, {
                limits: opts.limits?.peers$
              })) {
                yield {
                  ...evt,
                  index: obj.peers
                }
              }

              obj.peers++

              break
            }
            case 2: {
              if (opts.limits?.selfAddrs != null && obj.selfAddrs === opts.limits.selfAddrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "selfAddrs" had too many elements')
              }

              yield {
                field: `${prefix}.selfAddrs[]`,
                index: obj.selfAddrs,
                value: reader.bytes()
              }

              obj.selfAddrs++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.announce`,
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

  export interface PeerExchangeMessagePeersIdFieldEvent {
    field: '$.peers[].id'
    value: string
    index: number
  }

  export interface PeerExchangeMessagePeersAddrsFieldEvent {
    field: '$.peers[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PeerExchangeMessageSelfAddrsFieldEvent {
    field: '$.selfAddrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PeerExchangeMessageAnnounceFieldEvent {
    field: '$.announce'
    value: boolean
  }

  export function encode (obj: Partial<PeerExchangeMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PeerExchangeMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerExchangeMessage>): PeerExchangeMessage {
    return decodeMessage(buf, PeerExchangeMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerExchangeMessage>): Generator<PeerExchangeMessagePeersIdFieldEvent | PeerExchangeMessagePeersAddrsFieldEvent | PeerExchangeMessageSelfAddrsFieldEvent | PeerExchangeMessageAnnounceFieldEvent> {
    return streamMessage(buf, PeerExchangeMessage.codec(), opts)
  }
}

export interface ExchangedPeer {
  id: string
  addrs: Uint8Array<ArrayBuffer>[]
}

export namespace ExchangedPeer {
  let _codec: Codec<ExchangedPeer>

  export const codec = (): Codec<ExchangedPeer> => {
    if (_codec == null) {
      _codec = message<ExchangedPeer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          addrs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
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
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

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

  export interface ExchangedPeerIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface ExchangedPeerAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ExchangedPeer>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ExchangedPeer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ExchangedPeer>): ExchangedPeer {
    return decodeMessage(buf, ExchangedPeer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ExchangedPeer>): Generator<ExchangedPeerIdFieldEvent | ExchangedPeerAddrsFieldEvent> {
    return streamMessage(buf, ExchangedPeer.codec(), opts)
  }
}
