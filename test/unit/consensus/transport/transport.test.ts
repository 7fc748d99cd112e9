import '../../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { lpStream } from '@libp2p/utils'
import * as pb from '../../../../src/consensus/pb/raft.js'
import { approximateSize, messageFromPb, messageToPb, splitAppend, splitPropose } from '../../../../src/consensus/transport/codec.js'
import { RAFT_PROTOCOL } from '../../../../src/consensus/transport/constants.js'
import { Libp2pRaftTransport } from '../../../../src/consensus/transport/libp2p-transport.js'
import { fakeNode, link, rawStream, until } from './harness.js'
import type { AppendMessage, Message, ProposeMessage } from '../../../../src/consensus/core/index.js'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

function sample (from: string, to: string): Message[] {
  return [
    { type: 'append', from, to, term: 3, index: 7, logTerm: 2, commit: 6, entries: [{ index: 8, term: 3, type: 'normal', data: bytes('x') }, { index: 9, term: 3, type: 'conf-change', data: bytes('{}') }] },
    { type: 'append-response', from, to, term: 3, index: 9, reject: true, rejectHint: 4, logTerm: 2 },
    { type: 'heartbeat', from, to, term: 3, commit: 6, context: bytes('ctx') },
    { type: 'heartbeat', from, to, term: 3, commit: 6 },
    { type: 'heartbeat-response', from, to, term: 3 },
    { type: 'vote', from, to, term: 4, index: 9, logTerm: 3, transfer: true },
    { type: 'pre-vote-response', from, to, term: 4, reject: false },
    { type: 'timeout-now', from, to, term: 4 },
    { type: 'read-index', from, to, term: 4, context: bytes('r1') },
    { type: 'read-index-response', from, to, term: 4, index: 12, context: bytes('r1') },
    { type: 'propose', from, to, term: 4, data: [bytes('p1'), bytes(''), bytes('p3')], epoch: 123456789, seq: 42 }
  ]
}

describe('Raft transport codec', () => {
  it('round-trips every message kind', () => {
    for (const m of sample('a', 'b')) {
      if (m.type === 'snapshot') continue
      assert.deepEqual(messageFromPb(pb.RaftMessage.decode(pb.RaftMessage.encode(messageToPb(m))), 'a', 'b'), m)
    }
  })

  it('rejects an append whose entries do not follow its index', () => {
    const p = messageToPb({ type: 'append', from: 'a', to: 'b', term: 1, index: 1, logTerm: 1, commit: 0, entries: [{ index: 5, term: 1, type: 'normal', data: bytes('') }] })
    assert.throws(() => messageFromPb(p, 'a', 'b'), { name: 'MalformedRaftDataError' })
  })

  it('splits an oversized proposal into proposals that fit, keeping the order (one larger item travels alone)', () => {
    const data = [...Array.from({ length: 9 }, (_, i) => new Uint8Array(100).fill(i)), new Uint8Array(1000)]
    const m: ProposeMessage = { type: 'propose', from: 'a', to: 'b', term: 3, data, epoch: 9, seq: 2 }
    const parts = splitPropose(m, 400)
    assert.deepEqual(parts.flatMap(p => p.data), data)
    for (const p of parts) {
      assert.equal(p.term, 3)
      assert.deepEqual([p.epoch, p.seq], [9, 2])
      assert.ok(approximateSize(p) <= 400 || p.data.length === 1)
    }
    assert.deepEqual(parts.map(p => p.data.length), [3, 3, 3, 1])
    assert.deepEqual(splitPropose({ ...m, data: data.slice(0, 2) }, 400), [{ ...m, data: data.slice(0, 2) }])
  })

  it('splits an oversized append into valid consecutive appends', () => {
    const entries = Array.from({ length: 10 }, (_, i) => ({ index: 11 + i, term: 2 + (i >= 5 ? 1 : 0), type: 'normal' as const, data: new Uint8Array(100) }))
    const m: AppendMessage = { type: 'append', from: 'a', to: 'b', term: 3, index: 10, logTerm: 2, commit: 15, entries }
    const parts = splitAppend(m, 400)
    assert.ok(parts.length > 1)
    assert.deepEqual(parts.flatMap(p => p.entries), entries)
    let prev = { index: 10, term: 2 }
    for (const p of parts) {
      assert.deepEqual({ index: p.index, term: p.logTerm }, prev)
      assert.ok(approximateSize(p) <= 400 || p.entries.length === 1)
      const last = p.entries[p.entries.length - 1]!
      prev = { index: last.index, term: last.term }
    }
  })
})

describe('Libp2pRaftTransport', () => {
  it('delivers batched messages over one long-lived stream per peer, in order', async () => {
    const a = await fakeNode(); const b = await fakeNode(); link(a, b)
    let opened = 0
    a.onOutbound = (p) => { if (p === RAFT_PROTOCOL) opened++ }
    const ta = new Libp2pRaftTransport(a.components); const tb = new Libp2pRaftTransport(b.components)
    const got: Message[] = []
    tb.onMessage((m) => got.push(m))
    await ta.start(); await tb.start()
    const ids = { from: a.peerId.toString(), to: b.peerId.toString() }
    const msgs = sample(ids.from, ids.to)
    ta.send(msgs.slice(0, 3))
    ta.send(msgs.slice(3))
    await until('all messages', () => got.length === msgs.length)
    assert.deepEqual(got, msgs)
    for (let i = 0; i < 50; i++) ta.send([{ type: 'heartbeat', from: ids.from, to: ids.to, term: 3, commit: i }])
    await until('50 more', () => got.length === msgs.length + 50)
    assert.deepEqual(got.slice(msgs.length).map(m => (m as { commit: number }).commit), Array.from({ length: 50 }, (_, i) => i))
    assert.equal(opened, 1, 'one stream for everything')
    assert.ok(ta.stats.framesSent < ta.stats.messagesSent, 'messages were batched into fewer frames')
    await ta.stop(); await tb.stop()
  })

  it('a malformed or oversized frame resets that stream and bumps the metric; the transport keeps working', async () => {
    const a = await fakeNode(); const b = await fakeNode(); link(a, b)
    const tb = new Libp2pRaftTransport(b.components, { maxFrameBytes: 1024 })
    const got: Message[] = []
    tb.onMessage((m) => got.push(m))
    await tb.start()
    const bad = await rawStream(a, b, RAFT_PROTOCOL)
    await lpStream(bad).write(new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]))
    await until('malformed counted', () => tb.stats.malformed === 1)
    await until('stream reset', () => bad.status !== 'open')
    const big = await rawStream(a, b, RAFT_PROTOCOL)
    await lpStream(big).write(new Uint8Array(4096))
    await until('oversized counted', () => tb.stats.malformed === 2)
    const ta = new Libp2pRaftTransport(a.components)
    await ta.start()
    ta.send([{ type: 'heartbeat-response', from: a.peerId.toString(), to: b.peerId.toString(), term: 1 }])
    await until('a good message after the bad ones', () => got.length === 1)
    await ta.stop(); await tb.stop()
  })

  it('refuses streams from unverified peers', async () => {
    const a = await fakeNode(); const b = await fakeNode(); link(a, b)
    const tb = new Libp2pRaftTransport(b.components, { isVerified: () => false })
    await tb.start()
    const s = await rawStream(a, b, RAFT_PROTOCOL)
    await until('reset', () => s.status !== 'open')
    assert.equal(tb.stats.unverified, 1)
    await tb.stop()
  })

  it('resets a link whose writes make no progress, and delivers again over a new stream', async () => {
    const a = await fakeNode(); const b = await fakeNode(); link(a, b)
    let stall = true
    a.onOutbound = (p, stream) => {
      if (p !== RAFT_PROTOCOL || !stall) return
      stall = false
      // The peer stops reading: nothing this stream is given gets anywhere, and it never drains.
      stream.send = () => false
    }
    const ta = new Libp2pRaftTransport(a.components, { writeTimeoutMs: 100 })
    const tb = new Libp2pRaftTransport(b.components)
    const got: Message[] = []
    tb.onMessage((m) => got.push(m))
    await ta.start(); await tb.start()
    const from = a.peerId.toString(); const to = b.peerId.toString()
    ta.send([{ type: 'heartbeat', from, to, term: 2, commit: 1 }])
    await until('the stuck link to be reset', () => ta.stats.streamFailures >= 1, 3_000)
    ta.send([{ type: 'heartbeat', from, to, term: 2, commit: 2 }])
    await until('a message over a new stream', () => got.some(m => m.type === 'heartbeat' && m.commit === 2), 3_000)
    await ta.stop(); await tb.stop()
  })

  it('bounds the queue of an unreachable peer, dropping the oldest appends and heartbeats first', async () => {
    const a = await fakeNode(); const b = await fakeNode()
    const ta = new Libp2pRaftTransport(a.components, { maxQueuedMessages: 10 })
    await ta.start()
    const to = b.peerId.toString(); const from = a.peerId.toString()
    ta.send([{ type: 'vote', from, to, term: 2, index: 1, logTerm: 1, transfer: false }])
    ta.send(Array.from({ length: 30 }, (_, i): Message => ({ type: 'heartbeat', from, to, term: 2, commit: i })))
    assert.equal(ta.queued(to), 10)
    assert.ok(ta.stats.dropped >= 20)
    await ta.stop()
  })

  it('streams a snapshot in chunks and resumes from the received offset after a broken link', async () => {
    const a = await fakeNode(); const b = await fakeNode(); link(a, b)
    let cut = false
    a.onOutbound = (p, stream) => {
      if (p !== '/fedmesh/raft-snapshot/1.0.0' || cut) return
      cut = true
      const send = stream.send.bind(stream)
      let n = 0
      stream.send = (data) => {
        if (++n === 20) { const err = new Error('link cut'); stream.abort(err); throw err }
        return send(data)
      }
    }
    const ta = new Libp2pRaftTransport(a.components, { snapshotChunkBytes: 1024 })
    const tb = new Libp2pRaftTransport(b.components, { snapshotChunkBytes: 1024 })
    const got: Message[] = []
    tb.onMessage((m) => got.push(m))
    await ta.start(); await tb.start()
    const data = new Uint8Array(64 * 1024).map((_, i) => (i * 31) % 251)
    ta.send([{ type: 'snapshot', from: a.peerId.toString(), to: b.peerId.toString(), term: 5, snapshot: { metadata: { index: 100, term: 4, conf: { voters: ['x'], learners: [] } }, data } }])
    await until('the snapshot to arrive', () => got.length === 1, 10_000)
    const m = got[0]
    assert.equal(m?.type, 'snapshot')
    if (m?.type === 'snapshot') {
      assert.deepEqual(m.snapshot.data, data)
      assert.equal(m.snapshot.metadata.index, 100)
      assert.equal(m.term, 5)
    }
    assert.equal(cut, true)
    assert.equal(ta.stats.snapshotResumes, 1, 'the second attempt resumed where the first broke')
    await until('sent counted', () => ta.stats.snapshotsSent === 1)
    await ta.stop(); await tb.stop()
  })
})
