import '../../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { RaftService } from '../../../../src/consensus/raft-service/index.js'
import { MemoryRaftStorage } from '../../../../src/consensus/storage/memory.js'
import { fakeNode, link, until } from '../transport/harness.js'
import type { FakeNode } from '../transport/harness.js'
import type { KvEvent } from '../../../../src/consensus/kv/core/index.js'

const text = (b: Uint8Array | undefined): string | undefined => b === undefined ? undefined : new TextDecoder().decode(b)
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('RaftService in process (memory storage, in-memory streams)', () => {
  const nodes: FakeNode[] = []
  const services: RaftService[] = []
  const storages: MemoryRaftStorage[] = []

  // The service's timers are unref'd (a real node's sockets keep the process alive); here nothing else does.
  const keepAlive = setInterval(() => {}, 1_000)

  before(async () => {
    for (let i = 0; i < 3; i++) nodes.push(await fakeNode())
    link(nodes[0]!, nodes[1]!); link(nodes[1]!, nodes[2]!); link(nodes[0]!, nodes[2]!)
    for (const n of nodes) {
      const storage = new MemoryRaftStorage()
      storages.push(storage)
      services.push(new RaftService(n.components, { storage, expect: 3, tickMs: 10, electionTicks: 10, heartbeatTicks: 1, requestTimeoutMs: 1_000, snapshotThreshold: 50, watchHistory: { events: 200, bytes: 1 << 20 } }))
    }
    await Promise.all(services.map(async s => s.start()))
  })

  after(async () => {
    await Promise.all(services.map(async s => s.stop()))
    clearInterval(keepAlive)
  })

  const leader = (): RaftService | undefined => services.find(s => s.status()?.role === 'leader')
  const follower = (): RaftService => services.find(s => s.status()?.role === 'follower') as RaftService

  it('forms one cluster with expect 3 and elects one leader', async () => {
    await until('a leader known everywhere', () => {
      const l = leader()
      return l !== undefined && services.every(s => s.status()?.leader === l.id && s.status()?.voters.length === 3)
    })
    assert.equal(services.filter(s => s.status()?.role === 'leader').length, 1)
  })

  it('a follower forwards writes; reads are linearizable on every node; watch sees changes', async () => {
    const events: KvEvent[] = []
    const stopWatching = services[2]!.watch((e) => events.push(e))
    const f = follower()
    const r1 = await f.put('a', bytes('1'))
    const r2 = await leader()!.put('b', bytes('2'))
    assert.ok(r2 > r1)
    for (const s of services) assert.equal(text((await s.get('a'))?.value), '1', 'a linearizable read sees the committed write')
    await assert.rejects(f.put('a', bytes('x'), { ifRevision: 0 }), { name: 'RevisionMismatchError' })
    const r3 = await f.put('a', bytes('3'), { ifRevision: r1 })
    assert.equal((await f.get('a'))?.modRevision, r3)
    await f.delete('b')
    await assert.rejects(f.delete('b'), { name: 'KeyNotFoundError' })
    assert.deepEqual((await f.list('')).map(l => l.key), ['a'])
    await until('watch events', () => events.length >= 4)
    assert.deepEqual(events.map(e => `${e.type}:${e.key}`), ['put:a', 'put:b', 'put:a', 'delete:b'])
    stopWatching()
    const replayed: KvEvent[] = []
    const stopReplay = services[1]!.watch((e) => replayed.push(e), { afterRevision: r1 })
    assert.deepEqual(replayed.map(e => `${e.type}:${e.key}`), ['put:b', 'put:a', 'delete:b'], 'the changes after r1, before any new one')
    stopReplay()
    const none: KvEvent[] = []
    services[1]!.watch((e) => none.push(e), { afterRevision: 10_000_000 })()
    assert.equal(none.length, 0)
  })

  it('locks give fencing tokens and refuse a second holder', async () => {
    const lease = await follower().acquireLock('job', { ttlMs: 10_000, owner: 'me' })
    await assert.rejects(leader()!.acquireLock('job', { ttlMs: 10_000, owner: 'other' }), { name: 'LockHeldError' })
    await assert.rejects(leader()!.releaseLock('job', lease.token + 1), { name: 'InvalidLockTokenError' })
    await leader()!.releaseLock('job', lease.token)
    const again = await leader()!.acquireLock('job', { ttlMs: 10_000, owner: 'other' })
    assert.ok(again.token > lease.token)
  })

  it('forwards go through the leader\'s circuit breaker: outcomes are recorded, an open breaker fails fast', async () => {
    const f = follower()
    const components = nodes[services.indexOf(f)]!.components as unknown as { health?: unknown }
    const seen: string[] = []
    let open = false
    components.health = {
      breakers: {
        canRequest: () => !open,
        onSuccess: (peer: string) => { seen.push(`ok ${peer}`) },
        onFailure: (peer: string) => { seen.push(`failed ${peer}`) },
        retryAfterMs: () => 2_000
      }
    }
    try {
      await f.put('through-breaker', bytes('1'))
      assert.deepEqual(seen, [`ok ${f.leader()}`])
      open = true
      const started = Date.now()
      await assert.rejects(f.put('through-breaker', bytes('2')), (err: Error) => err.name === 'NoQuorumError' && /failed repeatedly/.test(err.message))
      assert.ok(Date.now() - started < 100, 'no waiting on a leader whose breaker is open')
    } finally {
      delete components.health
    }
  })

  it('takes snapshots and compacts the durable log past the threshold', async () => {
    const l = leader()!
    for (let i = 0; i < 80; i++) await l.put(`bulk${i}`, bytes(String(i)))
    await until('a compaction on every node', () => storages.every(s => s.firstIndex() > 1))
    assert.ok(services.every(s => (s.status()?.snapshotIndex ?? 0) >= 50))
  })

  it('a watch cannot resume past the retained history', async () => {
    const l = leader()!
    let last = 0
    for (let i = 0; i < 210; i++) last = await l.put('churn', bytes(String(i)))
    assert.throws(() => l.watch(() => {}, { afterRevision: 1 }), { name: 'WatchCompactedError' })
    const seen: KvEvent[] = []
    l.watch((e) => seen.push(e), { afterRevision: last - 150 })()
    assert.equal(seen.length, 150)
    assert.equal(seen.at(-1)?.revision, last)
  })

  it('a node that lost its quorum answers NoQuorum and never acknowledges a write', async () => {
    const l = leader()!
    const lonely = services.find(s => s !== l)!
    const others = services.filter(s => s !== lonely)
    await Promise.all(others.map(async s => s.stop()))
    const started = Date.now()
    await assert.rejects(lonely.put('lost', bytes('x')), { name: 'NoQuorumError' })
    assert.ok(Date.now() - started <= 2_500)
    await assert.rejects(lonely.get('a'), { name: 'NoQuorumError' })
    assert.equal(text((await lonely.get('a', { consistency: 'serializable' }))?.value), '3')
  })
})
