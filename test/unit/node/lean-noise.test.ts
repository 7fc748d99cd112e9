import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { noise } from '@libp2p/noise'
import fc from 'fast-check'
import { Uint8ArrayList } from 'uint8arraylist'
import { leanNoise, joinChunks, reuseShortReadError } from '../../../src/node/lean-noise.js'
import { loopbackNode } from '../../helpers/loopback-node.js'
import type { ConnectionEncrypter, MessageStream } from '@libp2p/interface'
import { LengthPrefixedDecoder, lpStream } from '@libp2p/utils'

/** A uint16 length decoder that fails short reads as @libp2p/noise's does: a new RangeError each time. */
function freshErrorDecoder (calls: number[]): (data: Uint8Array | Uint8ArrayList) => number {
  return (data) => {
    calls.push(data.byteLength)
    if (data.byteLength < 2) throw new RangeError('Could not decode int16BE')
    return data instanceof Uint8Array ? (data[0] << 8) | data[1] : data.getUint16(0)
  }
}

/** The length decoder a frame decoder holds now. */
function lengthDecoderOf (holder: { decoder: unknown }): unknown {
  return (holder.decoder as { lengthDecoder: unknown }).lengthDecoder
}

/** Noise's framing: a big-endian uint16 length, then that many bytes. */
function frame (payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + payload.length)
  out[0] = payload.length >> 8
  out[1] = payload.length & 0xff
  out.set(payload, 2)
  return out
}

/** The part of a transport connection the wrapper touches: `sendData` sees what would go to the socket. */
class RecordingConnection {
  readonly sent: Uint8Array[][] = []
  sendData (data: Uint8ArrayList): { sentBytes: number, canSendMore: boolean } {
    this.sent.push([...data])
    return { sentBytes: data.byteLength, canSendMore: true }
  }
}

describe('lean Noise links', () => {
  it('hands the transport each send as one chunk with the same bytes', () => {
    const conn = new RecordingConnection()
    joinChunks(conn as unknown as MessageStream)
    const result = conn.sendData(new Uint8ArrayList(Uint8Array.of(0, 3), Uint8Array.of(7, 8, 9)))
    assert.deepEqual(result, { sentBytes: 5, canSendMore: true })
    assert.equal(conn.sent.length, 1)
    assert.equal(conn.sent[0]?.length, 1)
    assert.deepEqual([...(conn.sent[0]?.[0] ?? [])], [0, 3, 7, 8, 9])
  })

  it('wraps a connection only once and leaves objects without sendData alone', () => {
    const conn = new RecordingConnection()
    joinChunks(conn as unknown as MessageStream)
    const wrapped = conn.sendData
    joinChunks(conn as unknown as MessageStream)
    assert.equal(conn.sendData, wrapped)
    assert.doesNotThrow(() => { joinChunks({} as unknown as MessageStream) })
  })

  it('joins chunks on the connection before the encrypter sees it', async () => {
    const seen: unknown[] = []
    const inner: ConnectionEncrypter = {
      protocol: '/test',
      secureInbound: async (c) => { seen.push(c); return undefined as never },
      secureOutbound: async (c) => { seen.push(c); return undefined as never }
    }
    const encrypter = leanNoise(() => inner)({})
    assert.equal(encrypter.protocol, '/test')
    const conn = new RecordingConnection()
    await encrypter.secureOutbound(conn as unknown as MessageStream)
    conn.sendData(new Uint8ArrayList(Uint8Array.of(1), Uint8Array.of(2)))
    assert.equal(conn.sent[0]?.length, 1)
    assert.equal(seen[0], conn)
  })

  it('decodes any frames split at any points exactly as before, without calling the length decoder on short reads', () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (payloads, cuts) => {
        const calls: number[] = []
        const holder = { decoder: new LengthPrefixedDecoder({ lengthDecoder: freshErrorDecoder(calls), encodingLength: () => 2 }) }
        assert.equal(reuseShortReadError(holder), true)
        const wire = Uint8Array.from(payloads.flatMap((p) => [...frame(p)]))
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b)
        const out: number[][] = []
        let from = 0
        for (const to of [...points, wire.length]) {
          for (const buf of holder.decoder.decode(wire.subarray(from, to))) out.push([...buf.subarray()])
          from = to
        }
        assert.deepEqual(out, payloads.map((p) => [...p]))
        assert.ok(calls.every((n) => n >= 2), `the length decoder saw a short buffer: ${calls.join(',')}`)
      }
    ))
  })

  it('wraps a decoder once and leaves other framings alone', () => {
    const calls: number[] = []
    const holder = { decoder: new LengthPrefixedDecoder({ lengthDecoder: freshErrorDecoder(calls), encodingLength: () => 2 }) }
    reuseShortReadError(holder)
    const wrapped = lengthDecoderOf(holder)
    assert.equal(reuseShortReadError(holder), true)
    assert.equal(lengthDecoderOf(holder), wrapped)
    // A varint prefix (1-10 bytes) may be whole in one byte: a two-byte rule would stall it.
    const varint = { decoder: new LengthPrefixedDecoder() }
    const before = lengthDecoderOf(varint)
    assert.equal(reuseShortReadError(varint), false)
    assert.equal(lengthDecoderOf(varint), before)
    assert.equal(reuseShortReadError({}), false)
    assert.equal(reuseShortReadError(undefined), false)
  })

  it('secures real Noise links whose decoder reuses the error, and moves data intact', async (t) => {
    const secured: unknown[] = []
    const recording = <C>(factory: (components: C) => ConnectionEncrypter) => (components: C): ConnectionEncrypter => {
      const inner = factory(components)
      const keep = <R extends { connection: unknown }>(r: R): R => { secured.push(r.connection); return r }
      return {
        protocol: inner.protocol,
        secureInbound: async (c, o) => keep(await inner.secureInbound(c, o)),
        secureOutbound: async (c, o) => keep(await inner.secureOutbound(c, o))
      }
    }
    const make = async () => await loopbackNode({}, { connectionEncrypters: [recording(leanNoise(noise()))] })
    const a = await make()
    const b = await make()
    t.after(async () => { await a.stop(); await b.stop() })
    const protocol = '/fedmesh-test/echo/1.0.0'
    await b.handle(protocol, async (stream) => {
      const lp = lpStream(stream, { maxDataLength: 1 << 20 })
      await lp.write(await lp.read())
    })
    // Bigger than one Noise message (65,535 bytes), so it arrives in many TCP reads.
    const payload = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff)
    const lp = lpStream(await a.dialProtocol(b.getMultiaddrs()[0] as never, protocol), { maxDataLength: 1 << 20 })
    await lp.write(payload)
    const echoed = (await lp.read()).subarray()
    assert.equal(echoed.length, payload.length)
    assert.ok(echoed.every((v, i) => v === payload[i]))
    assert.equal(secured.length, 2)
    for (const c of secured) {
      const decode = (c as { decoder: { lengthDecoder: { reusesShortReadError?: boolean } } }).decoder.lengthDecoder
      assert.equal(decode.reusesShortReadError, true, 'this @libp2p/noise version has another decoder shape')
    }
  })
})
