import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Uint8ArrayList } from 'uint8arraylist'
import { coalescedWrites, joinChunks } from '../../../src/node/coalesced-writes.js'
import type { ConnectionEncrypter, MessageStream } from '@libp2p/interface'

/** The part of a transport connection the wrapper touches: `sendData` sees what would go to the socket. */
class RecordingConnection {
  readonly sent: Uint8Array[][] = []
  sendData (data: Uint8ArrayList): { sentBytes: number, canSendMore: boolean } {
    this.sent.push([...data])
    return { sentBytes: data.byteLength, canSendMore: true }
  }
}

describe('coalesced writes', () => {
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
    const encrypter = coalescedWrites(() => inner)({})
    assert.equal(encrypter.protocol, '/test')
    const conn = new RecordingConnection()
    await encrypter.secureOutbound(conn as unknown as MessageStream)
    conn.sendData(new Uint8ArrayList(Uint8Array.of(1), Uint8Array.of(2)))
    assert.equal(conn.sent[0]?.length, 1)
    assert.equal(seen[0], conn)
  })
})
