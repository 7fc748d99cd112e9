import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { FULL_RANGE, bytesEqual, syncInMemory } from '../../../src/mesh/core/anti-entropy/index.js'
import { ORSet, PNCounter, signDelta } from '../../../src/replication/core/index.js'
import {
  LevelReplicaPersistence, MemoryReplicaPersistence, ReplicaStore, ReplicaStoreClosedError, ReplicaStoreLockedError, ReplicaSyncStore
} from '../../../src/replication/store/index.js'
import type { ReplicaPersistence } from '../../../src/replication/store/index.js'

const dirs: string[] = []
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'fedmesh-replica-'))
  dirs.push(d)
  return d
}

/** Each implementation: a factory that returns the same persistent storage on every call (a "restart"). */
/** `inner` with every commit passed through `commit` (which forwards it, or not). */
function interceptCommits (inner: ReplicaPersistence, commit: ReplicaPersistence['commit']): ReplicaPersistence {
  return {
    open: async () => { await inner.open() },
    load: async () => await inner.load(),
    close: async () => { await inner.close() },
    get bytesWritten () { return inner.bytesWritten },
    commit
  }
}

const implementations: Array<{ name: string, storage: () => () => ReplicaPersistence }> = [
  {
    name: 'memory',
    storage: () => {
      const p = new MemoryReplicaPersistence()
      return () => p
    }
  },
  {
    name: 'level',
    storage: () => {
      const location = join(tempDir(), 'replication')
      return () => new LevelReplicaPersistence({ location })
    }
  }
]

for (const impl of implementations) {
  describe(`ReplicaStore on ${impl.name} persistence`, () => {
    it('keeps values, tombstones, CRDTs and the clock across a restart', async () => {
      const storage = impl.storage()
      const a = await ReplicaStore.open({ nodeId: 'A', persistence: storage() })
      a.write('cart/1', ['apple'])
      a.write('cart/2', { n: 2 })
      a.delete('cart/2')
      a.mutateCrdt('hits', PNCounter, (s, actor) => PNCounter.increment(s, actor.node, 5))
      a.mutateCrdt('tags', ORSet, (s, actor) => ORSet.add(s, actor.node, 'x'))
      const clock = a.clock()
      const checksum = a.checksum()
      await a.close()
      assert.throws(() => a.write('k', 1), { name: 'ReplicaStoreClosedError' })

      const b = await ReplicaStore.open({ nodeId: 'A', persistence: storage() })
      assert.deepEqual(b.read('cart/1')?.value, ['apple'])
      assert.equal(b.read('cart/2'), undefined)
      assert.equal(b.state.entry('cart/2')?.kind, 'register', 'the tombstone is stored until collected')
      assert.equal(b.read('hits')?.value, 5)
      assert.deepEqual(b.read('tags')?.value, ['x'])
      assert.deepEqual(b.clock(), clock)
      assert.equal(b.checksum(), checksum)
      // A write after the restart never reuses an event counter.
      b.write('cart/3', 3)
      assert.equal(b.clock().A, (clock.A ?? 0) + 1)
      await b.close()
    })

    it('writes many changes in few synced batches and flush() makes them durable', async () => {
      const storage = impl.storage()
      const a = await ReplicaStore.open({ nodeId: 'A', persistence: storage(), flushDelayMs: 5 })
      for (let i = 0; i < 2000; i++) a.write(`k/${i}`, i)
      await a.flush()
      const stats = a.stats()
      assert.equal(stats.pendingKeys, 0)
      assert.equal(stats.flushedKeys, 2000)
      assert.ok(stats.flushes <= 3, `2000 writes made synchronously took ${stats.flushes} flushes`)
      await a.close()
      const b = await ReplicaStore.open({ nodeId: 'A', persistence: storage() })
      assert.equal(b.state.size, 2000)
      assert.equal(b.read('k/1999')?.value, 1999)
      await b.close()
    })

    it('writes a burst larger than maxCommitKeys in several commits, the meta of the state only with the last', async () => {
      const inner = impl.storage()()
      const metas: string[] = []
      const syncs: boolean[] = []
      const recording = interceptCommits(inner, async (batch) => {
        metas.push(JSON.stringify(batch.meta))
        syncs.push(batch.sync !== false)
        await inner.commit(batch)
      })
      const a = await ReplicaStore.open({ nodeId: 'A', persistence: recording, maxCommitKeys: 100 })
      for (let i = 0; i < 50; i++) a.write(`old/${i}`, i)
      await a.flush()
      const first = JSON.stringify(a.state.meta())
      for (let i = 0; i < 1000; i++) a.write(`new/${i}`, i)
      await a.flush()
      assert.equal(a.stats().flushes, 11)
      assert.equal(a.stats().flushedKeys, 1050)
      assert.deepEqual(metas.slice(0, 10), Array(10).fill(first), 'partial commits rewrite the meta last committed')
      assert.equal(metas[10], JSON.stringify(a.state.meta()))
      assert.deepEqual(syncs, [true, ...Array(9).fill(false), true], 'only the commit that ends a flush waits for the disk')
      await a.close()
      await assert.rejects(ReplicaStore.open({ nodeId: 'A', persistence: new MemoryReplicaPersistence(), maxCommitKeys: 0 }), { name: 'RangeError' })
    })

    it('after a crash between the commits of a burst, restores what was written and never reissues its event counters', async () => {
      const storage = impl.storage()
      const inner = storage()
      let commitsLeft = Infinity
      const crashing = interceptCommits(inner, async (batch) => {
        if (commitsLeft-- <= 0) throw new Error('simulated crash')
        await inner.commit(batch)
      })
      const a = await ReplicaStore.open({ nodeId: 'A', persistence: crashing, maxCommitKeys: 100 })
      for (let i = 0; i < 50; i++) a.write(`old/${i}`, i)
      await a.flush()
      for (let i = 0; i < 1000; i++) a.write(`new/${i}`, i)
      commitsLeft = 3
      await assert.rejects(a.flush(), /simulated crash/)
      assert.equal(a.stats().pendingKeys, 700)
      // The crash: nothing more reaches storage (close's own flush fails the same way).
      await assert.rejects(a.close(), /simulated crash/)

      const b = await ReplicaStore.open({ nodeId: 'A', persistence: storage() })
      assert.equal(b.state.size, 350)
      assert.equal(b.read('old/49')?.value, 49)
      assert.equal(b.read('new/299')?.value, 299)
      assert.equal(b.read('new/300'), undefined)
      const delta = b.write('after', 1)
      assert.ok(delta.event !== undefined && delta.event.counter > 350, `the first write after the restart took counter ${String(delta.event?.counter)}`)
      await b.close()
    })

    it('removes tombstones only through collectGarbage with every member acknowledging', async () => {
      const storage = impl.storage()
      const a = await ReplicaStore.open({ nodeId: 'A', persistence: storage() })
      const b = await ReplicaStore.open({ nodeId: 'B', persistence: new MemoryReplicaPersistence() })
      b.applyDelta(a.write('gone', 1), 'gossip')
      b.applyDelta(a.delete('gone'), 'gossip')
      assert.deepEqual(a.collectGarbage({}, ['A', 'B']), [], 'B has not acknowledged')
      assert.deepEqual(a.collectGarbage({ B: b.clock() }, ['A', 'B']), ['gone'])
      assert.equal(a.state.entry('gone'), undefined)
      await a.close()
      const again = await ReplicaStore.open({ nodeId: 'A', persistence: storage() })
      assert.equal(again.state.entry('gone'), undefined, 'the collected key is gone from storage too')
      await again.close()
      await b.close()
    })
  })
}

describe('ReplicaStore', () => {
  it('refuses a delta whose checksum does not match and counts it', async () => {
    const a = await ReplicaStore.open({ nodeId: 'A', persistence: new MemoryReplicaPersistence() })
    const b = await ReplicaStore.open({ nodeId: 'B', persistence: new MemoryReplicaPersistence() })
    const good = a.write('k', 'real')
    const forged = { ...good, versions: good.versions.map(v => ({ ...v, value: 'forged' })) }
    assert.equal(b.applyDelta(forged, 'gossip').status, 'rejected-checksum')
    assert.equal(b.read('k'), undefined)
    assert.equal(b.stats().rejectedChecksum, 1)
    // Re-signed content is accepted: the checksum guards integrity, verification guards authenticity.
    assert.equal(b.applyDelta(signDelta({ ...forged, checksum: undefined } as never), 'gossip').status, 'applied')
    await a.close()
    await b.close()
  })

  it('notifies listeners of each change with its source', async () => {
    const a = await ReplicaStore.open({ nodeId: 'A', persistence: new MemoryReplicaPersistence() })
    const b = await ReplicaStore.open({ nodeId: 'B', persistence: new MemoryReplicaPersistence() })
    const seen: string[] = []
    b.onChange(c => seen.push(`${c.key}:${c.source}`))
    b.write('own', 1)
    b.applyDelta(a.write('theirs', 2), 'gossip')
    b.applyUpdates(a.state.getUpdatesSince(b.clock()))
    assert.deepEqual(seen, ['own:local', 'theirs:gossip'])
    await a.close()
    await b.close()
  })

  it('LevelDB refuses a second opener of the same directory', async () => {
    const location = join(tempDir(), 'replication')
    const a = await ReplicaStore.open({ nodeId: 'A', persistence: new LevelReplicaPersistence({ location }) })
    await assert.rejects(ReplicaStore.open({ nodeId: 'A', persistence: new LevelReplicaPersistence({ location }) }), (err: Error) => err instanceof ReplicaStoreLockedError)
    await a.close()
    assert.ok(ReplicaStoreClosedError)
  })
})

describe('ReplicaSyncStore (anti-entropy view)', () => {
  it('two diverged replicas converge through one in-memory sync session', async () => {
    const a = await ReplicaStore.open({ nodeId: 'A', persistence: new MemoryReplicaPersistence() })
    const b = await ReplicaStore.open({ nodeId: 'B', persistence: new MemoryReplicaPersistence() })
    for (let i = 0; i < 300; i++) {
      const d = a.write(`shared/${i}`, i)
      b.applyDelta(d, 'gossip')
    }
    for (let i = 0; i < 40; i++) a.write(`only-a/${i}`, i)
    for (let i = 0; i < 40; i++) b.write(`only-b/${i}`, i)
    for (let i = 0; i < 20; i++) {
      a.write(`shared/${i}`, `a${i}`)
      b.write(`shared/${i + 100}`, `b${i}`)
      b.delete(`shared/${i + 200}`)
    }
    const va = new ReplicaSyncStore(a)
    const vb = new ReplicaSyncStore(b)
    assert.notEqual(a.checksum(), b.checksum())
    syncInMemory(va, vb)
    assert.equal(a.checksum(), b.checksum())
    assert.equal(a.state.size, b.state.size)
    const fa = va.fingerprint(FULL_RANGE)
    const fb = vb.fingerprint(FULL_RANGE)
    assert.equal(fa.count, fb.count)
    assert.ok(bytesEqual(fa.hash, fb.hash), 'the version digests agree after the session')
    assert.equal(b.read('only-a/3')?.value, 3)
    assert.equal(a.read('shared/205'), undefined)
    assert.ok(va.stats.applied + vb.stats.applied >= 120)
    // A second session finds nothing to repair.
    const again = syncInMemory(va, vb)
    assert.equal(again.appliedByInitiator + again.appliedByResponder, 0)
    va.close(); vb.close()
    await a.close(); await b.close()
  })

  it('refuses an entry whose payload is corrupted', async () => {
    const a = await ReplicaStore.open({ nodeId: 'A', persistence: new MemoryReplicaPersistence() })
    const b = await ReplicaStore.open({ nodeId: 'B', persistence: new MemoryReplicaPersistence() })
    a.write('k', 'v')
    const va = new ReplicaSyncStore(a)
    const vb = new ReplicaSyncStore(b)
    const entry = va.get('k')
    assert.ok(entry)
    const text = new TextDecoder().decode(entry.payload).replace('"v"', '"w"')
    assert.equal(vb.apply({ ...entry, payload: new TextEncoder().encode(text) }), false)
    assert.equal(vb.apply({ ...entry, key: 'other' }), false)
    assert.equal(vb.stats.refused, 2)
    assert.equal(vb.apply(entry), true)
    assert.equal(b.read('k')?.value, 'v')
    va.close(); vb.close()
    await a.close(); await b.close()
  })
})
