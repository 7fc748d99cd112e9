import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { deferWindowUpdates } from '../../../src/node/lazy-window-updates.js'

/** The fields of a @libp2p/yamux 8 stream that window updates depend on; `sent` counts update frames. */
class StreamState {
  state = 3
  recvWindow = 256
  recvWindowCapacity = 256
  sent = 0
  sendWindowUpdate (): void {
    this.recvWindowCapacity = this.recvWindow
    this.sent++
  }

  receive (bytes: number): void {
    this.recvWindowCapacity -= bytes
    this.sendWindowUpdate()
  }
}

describe('lazy window updates', () => {
  it('an established stream sends an update only once less than half of its window is free', () => {
    const s = new StreamState()
    deferWindowUpdates(s)
    for (let i = 0; i < 12; i++) s.receive(10)
    assert.equal(s.sent, 0, 'about half the window used, no update yet')
    s.receive(10)
    assert.equal(s.sent, 1)
    assert.equal(s.recvWindowCapacity, 256)
  })

  it('streams that are not established (an ACK to send) or paused keep the muxer behaviour', () => {
    const s = new StreamState()
    s.state = 2
    deferWindowUpdates(s)
    s.receive(1)
    assert.equal(s.sent, 1)
  })

  it('leaves objects of another shape alone', () => {
    const other = { sendWindowUpdate: () => {} }
    const before = other.sendWindowUpdate
    deferWindowUpdates(other)
    assert.equal(other.sendWindowUpdate, before)
  })
})
