import '../../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import { lpStream } from '@libp2p/utils'
import { decodeHeartbeat, HEALTH_PROTOCOL, MalformedHeartbeatError } from '../../../../src/mesh/health/index.js'
import { Heartbeat } from '../../../../src/mesh/pb/health.js'
import { allAlive, connect, createHealthNode, createPlainNode, recordEvents, sleep, waitFor } from './helpers.js'
import type { PeerId, Stream } from '@libp2p/interface'

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }

describe('health service between real libp2p nodes', () => {
  const nodes: Array<{ stop(): void | Promise<void> }> = []
  const track = <T extends { stop(): void | Promise<void> }>(n: T): T => { nodes.push(n); return n }

  before(() => { process.on('unhandledRejection', onUnhandled) })
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map(async n => { await n.stop() }))
  })
  after(() => {
    process.off('unhandledRejection', onUnhandled)
    assert.deepEqual(unhandled, [])
  })

  it('three connected nodes see each other joined and alive, over one heartbeat stream per peer', async () => {
    const [a, b, c] = await Promise.all([createHealthNode(), createHealthNode(), createHealthNode()]).then(ns => ns.map(track))
    const eventsA = recordEvents(a.services.health)
    await Promise.all([connect(a, b), connect(a, c), connect(b, c)])
    await waitFor(() => allAlive([a, b, c]), 3000, 'everyone alive at everyone')
    await sleep(1_000)
    for (const n of [a, b, c]) {
      const s = n.services.health.stats
      assert.equal(s.alive, 2)
      assert.equal(s.streamsOpened, 2, 'one outbound stream per peer, kept open')
      assert.ok(s.heartbeatsReceived >= 2 * 4, `about 5 heartbeats a second from each peer, got ${s.heartbeatsReceived}`)
      assert.equal(s.malformed, 0)
      for (const peer of [a, b, c].filter(m => m !== n)) {
        const outbound = n.getConnections(peer.peerId).flatMap(conn => conn.streams).filter(st => st.protocol === HEALTH_PROTOCOL && st.direction === 'outbound')
        assert.equal(outbound.length, 1)
      }
    }
    const joined = eventsA.filter(e => e.type === 'joined').map(e => e.peer).sort()
    assert.deepEqual(joined, [b.peerId.toString(), c.peerId.toString()].sort())
    assert.equal(eventsA.filter(e => e.type === 'suspect' || e.type === 'dead').length, 0, 'no false suspicion on a quiet mesh')
  })

  it('feeds ping round-trip times and peer load reports into the view', async () => {
    const [a, b] = await Promise.all([createHealthNode({ health: { pingIntervalMs: 200 } }), createHealthNode({ health: { selfReport: () => ({ load: 0.25, capacity: 3 }) } })]).then(ns => ns.map(track))
    await connect(a, b)
    await waitFor(() => a.services.health.get(b.peerId)?.rttMs !== undefined, 3000, 'an RTT sample')
    const seen = a.services.health.get(b.peerId)
    assert.ok(seen != null)
    assert.ok((seen.rttMs ?? -1) >= 0 && (seen.rttMs ?? 1e9) < 500, `rtt ${seen.rttMs}`)
    assert.equal(seen.load, 0.25)
    assert.equal(seen.capacity, 3)
    assert.ok(a.services.health.stats.pings >= 1)
  })

  it('a closed connection makes the peer suspect at once and dead within half a second; a new connection revives it', async () => {
    const [a, b] = await Promise.all([createHealthNode(), createHealthNode()]).then(ns => ns.map(track))
    const events = recordEvents(a.services.health)
    await connect(a, b)
    await waitFor(() => allAlive([a, b]), 3000, 'alive')
    const cut = Date.now()
    await a.hangUp(b.peerId)
    await waitFor(() => a.services.health.statusOf(b.peerId) === 'dead', 2000, 'b dead at a')
    const deadAfter = Date.now() - cut
    assert.ok(deadAfter <= 1000, `dead after ${deadAfter} ms`)
    const kinds = events.filter(e => e.peer === b.peerId.toString()).map(e => e.type)
    assert.deepEqual(kinds.slice(-2), ['suspect', 'dead'], 'suspicion always precedes death')
    await connect(a, b)
    await waitFor(() => allAlive([a, b]), 3000, 'alive again')
    assert.equal(events.at(-1)?.type, 'alive')
    assert.equal(events.at(-1)?.previous, 'dead')
  })

  it('a graceful stop is a leave, not a death', async () => {
    const [a, b] = await Promise.all([createHealthNode(), createHealthNode()]).then(ns => ns.map(track))
    const events = recordEvents(a.services.health)
    await connect(a, b)
    await waitFor(() => allAlive([a, b]), 3000, 'alive')
    await b.stop()
    await waitFor(() => a.services.health.statusOf(b.peerId) === undefined, 2000, 'b forgotten')
    assert.deepEqual(events.filter(e => e.peer === b.peerId.toString()).map(e => e.type), ['joined', 'left'], 'no suspicion on the way out')
  })

  it('a peer that speaks the protocol but never heartbeats goes suspect, then dead, while its connection stays open', async () => {
    const a = track(await createHealthNode())
    const mute = track(await createPlainNode())
    const held: Stream[] = []
    await mute.handle(HEALTH_PROTOCOL, (stream) => { held.push(stream) })
    const events = recordEvents(a.services.health)
    await connect(a, mute)
    await waitFor(() => a.services.health.statusOf(mute.peerId) === 'alive', 3000, 'mute joined')
    const joinedAt = Date.now()
    await waitFor(() => a.services.health.statusOf(mute.peerId) === 'dead', 5000, 'mute dead')
    const took = Date.now() - joinedAt
    assert.ok(took >= 1000 && took <= 3500, `dead after ${took} ms of silence`)
    assert.ok(a.getConnections(mute.peerId).length > 0, 'the connection is still open')
    assert.deepEqual(events.filter(e => e.peer === mute.peerId.toString()).map(e => e.type), ['joined', 'suspect', 'dead'])
    assert.ok(held.length >= 1, 'a heartbeat stream was opened to it')
  })

  it('malformed frames reset their stream and are counted; the node keeps serving other peers', async () => {
    const [a, b] = await Promise.all([createHealthNode(), createHealthNode()]).then(ns => ns.map(track))
    const rogue = track(await createPlainNode())
    await connect(a, b)
    await connect(rogue, a)
    await waitFor(() => allAlive([a, b]), 3000, 'alive')
    const frames: Uint8Array[] = [
      Uint8Array.from([0x0a, 0x64, 0x41]), // a string field claiming 100 bytes, carrying 1
      Heartbeat.encode({ bootId: 'x', seq: 1n, load: Number.NaN, suspects: [], leaving: false }),
      Heartbeat.encode({ bootId: 'x'.repeat(500), seq: 1n, suspects: [], leaving: false })
    ]
    for (const [i, frame] of frames.entries()) {
      const stream = await rogue.dialProtocol(a.peerId, HEALTH_PROTOCOL)
      await lpStream(stream).write(frame)
      await waitFor(() => stream.status !== 'open', 2000, `frame ${i} reset`)
      assert.equal(a.services.health.stats.malformed, i + 1)
    }
    const big = await rogue.dialProtocol(a.peerId, HEALTH_PROTOCOL)
    await lpStream(big).write(new Uint8Array(64 * 1024))
    await waitFor(() => a.services.health.stats.malformed === 4, 2000, 'oversized frame counted')
    assert.equal(a.services.health.statusOf(rogue.peerId), undefined, 'no valid heartbeat, so not a member')
    const before = a.services.health.stats.heartbeatsReceived
    await sleep(500)
    assert.ok(a.services.health.stats.heartbeatsReceived > before, 'still receiving from b')
    assert.equal(a.services.health.statusOf(b.peerId), 'alive')
  })

  it('decodeHeartbeat rejects what the protocol forbids', () => {
    assert.throws(() => decodeHeartbeat(Heartbeat.encode({ bootId: 'b', seq: 1n, suspects: Array.from({ length: 65 }, (_, i) => `p${i}`), leaving: false })), MalformedHeartbeatError)
    assert.throws(() => decodeHeartbeat(Heartbeat.encode({ bootId: 'b', seq: 2n ** 60n, suspects: [], leaving: false })), MalformedHeartbeatError)
    assert.throws(() => decodeHeartbeat(Heartbeat.encode({ bootId: 'b', seq: 1n, capacity: -1, suspects: [], leaving: false })), MalformedHeartbeatError)
    const ok = decodeHeartbeat(Heartbeat.encode({ bootId: 'b', seq: 7n, load: 0.5, suspects: ['x'], leaving: false }))
    assert.equal(ok.seq, 7n)
    assert.equal(ok.load, 0.5)
  })

  it('peers that isVerified rejects are neither heartbeated nor counted', async () => {
    const refused: { id?: PeerId } = {}
    const a = track(await createHealthNode({ health: { isVerified: (peer) => refused.id == null || !peer.equals(refused.id) } }))
    const b = track(await createHealthNode())
    refused.id = b.peerId
    await connect(a, b)
    await waitFor(() => a.services.health.stats.unverified > 0, 3000, 'b refused')
    await sleep(800)
    assert.equal(a.services.health.statusOf(b.peerId), undefined)
    assert.ok(a.services.health.stats.unverified >= 1, 'b\'s heartbeat stream was refused')
    assert.equal(a.services.health.stats.streamsOpened, 0, 'a never heartbeats b')
  })

  it('a stalled event loop (1.2 s) condemns no peer', async () => {
    const [a, b, c] = await Promise.all([createHealthNode(), createHealthNode(), createHealthNode()]).then(ns => ns.map(track))
    const events = [a, b, c].flatMap(n => [recordEvents(n.services.health)])
    await Promise.all([connect(a, b), connect(a, c), connect(b, c)])
    await waitFor(() => allAlive([a, b, c]), 3000, 'alive')
    await sleep(600)
    const end = Date.now() + 1200
    while (Date.now() < end) { /* this process (every node in it) stalls */ }
    await sleep(1500)
    assert.ok(allAlive([a, b, c]))
    assert.deepEqual(events.flat().filter(e => e.type === 'dead'), [])
  })
})
