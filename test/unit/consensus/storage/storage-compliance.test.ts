import '../../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import fc from 'fast-check'
import { ClassicLevel } from 'classic-level'
import { decodeEntry, decodeEntryRun, encodeEntry, encodeEntryRun } from '../../../../src/consensus/storage/codec.js'
import { legacyEntryKey, LevelRaftStorage, runKey } from '../../../../src/consensus/storage/level.js'
import { InvalidPersistBatchError, MemoryRaftStorage } from '../../../../src/consensus/storage/memory.js'
import type { Entry, Snapshot } from '../../../../src/consensus/core/index.js'
import type { RaftStorage } from '../../../../src/consensus/ports.js'

const dirs: string[] = []
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'fedmesh-raft-storage-'))
  dirs.push(d)
  return d
}

function e (index: number, term: number, data = `v${index}.${term}`): Entry {
  return { index, term, type: 'normal', data: new TextEncoder().encode(data) }
}

function snap (index: number, term: number, data = 'state'): Snapshot {
  return { metadata: { index, term, conf: { voters: ['a', 'b'], learners: ['c'] } }, data: new TextEncoder().encode(data) }
}

interface Impl {
  name: string
  create(): Promise<{ storage: RaftStorage, reopen?: (current?: RaftStorage) => Promise<RaftStorage> }>
}

const impls: Impl[] = [
  { name: 'memory', create: async () => ({ storage: new MemoryRaftStorage() }) },
  {
    name: 'level',
    create: async () => {
      const location = join(tempDir(), 'raft')
      const storage = await openLevel(location)
      return {
        storage,
        reopen: async (current: RaftStorage = storage) => {
          await current.close()
          return await openLevel(location)
        }
      }
    }
  }
]

for (const impl of impls) {
  describe(`RaftStorage compliance: ${impl.name}`, () => {
    it('starts empty', async () => {
      const { storage } = await impl.create()
      assert.equal(storage.firstIndex(), 1)
      assert.equal(storage.lastIndex(), 0)
      assert.equal(await storage.term(0), 0)
      assert.deepEqual(await storage.entries(1, 10), [])
      assert.deepEqual(storage.hardState(), { term: 0, vote: '', commit: 0 })
      assert.equal(storage.latest(), undefined)
      await storage.close()
    })

    it('appends, reads ranges and terms, and keeps the hard state', async () => {
      const { storage } = await impl.create()
      await storage.persist({ entries: [e(1, 1), e(2, 1), e(3, 2)], hardState: { term: 2, vote: 'a', commit: 2 } })
      assert.equal(storage.lastIndex(), 3)
      assert.deepEqual((await storage.entries(2, 4)).map(x => x.index), [2, 3])
      assert.deepEqual((await storage.entries(0, 100)).map(x => x.index), [1, 2, 3])
      assert.equal(await storage.term(3), 2)
      assert.equal(await storage.term(4), undefined)
      assert.deepEqual(storage.hardState(), { term: 2, vote: 'a', commit: 2 })
      await storage.close()
    })

    it('truncates a conflicting suffix when appending', async () => {
      const { storage } = await impl.create()
      await storage.persist({ entries: [e(1, 1), e(2, 1), e(3, 1), e(4, 1)] })
      await storage.persist({ entries: [e(3, 2)] })
      assert.equal(storage.lastIndex(), 3)
      assert.deepEqual((await storage.entries(1, 10)).map(x => [x.index, x.term]), [[1, 1], [2, 1], [3, 2]])
      await storage.close()
    })

    it('refuses a batch that would leave a gap', async () => {
      const { storage } = await impl.create()
      await storage.persist({ entries: [e(1, 1)] })
      await assert.rejects(storage.persist({ entries: [e(3, 1)] }), InvalidPersistBatchError)
      assert.equal(storage.lastIndex(), 1)
      await storage.close()
    })

    it('compacts up to a snapshot it made and keeps the entries after it', async () => {
      const { storage } = await impl.create()
      await storage.persist({ entries: [e(1, 1), e(2, 1), e(3, 2), e(4, 2)] })
      await storage.persist({ compactedTo: snap(2, 1) })
      assert.equal(storage.firstIndex(), 3)
      assert.equal(storage.lastIndex(), 4)
      assert.equal(await storage.term(2), 1)
      assert.equal(await storage.term(1), undefined)
      assert.deepEqual((await storage.entries(1, 10)).map(x => x.index), [3, 4])
      const reader = storage.openSnapshot()
      assert.equal(reader?.size, 5)
      assert.deepEqual(new TextDecoder().decode(reader?.read(1, 3)), 'tat')
      await storage.close()
    })

    it('replaces the log with a snapshot from the leader, followed by new entries', async () => {
      const { storage } = await impl.create()
      await storage.persist({ entries: [e(1, 1), e(2, 1), e(3, 1)] })
      await storage.persist({ snapshot: snap(10, 3), entries: [e(11, 3)], hardState: { term: 3, vote: '', commit: 10 } })
      assert.equal(storage.firstIndex(), 11)
      assert.equal(storage.lastIndex(), 11)
      assert.deepEqual((await storage.entries(1, 20)).map(x => x.index), [11])
      assert.equal(storage.latest()?.metadata.index, 10)
      await storage.close()
    })

    it('load() returns what was persisted (after a reopen for durable storage)', async () => {
      const { storage, reopen } = await impl.create()
      await storage.persist({ entries: [e(1, 1), e(2, 1), e(3, 2), e(4, 2), e(5, 2)], hardState: { term: 2, vote: 'b', commit: 4 } })
      await storage.persist({ compactedTo: snap(3, 2) })
      await storage.persist({ entries: [e(5, 3), e(6, 3)], hardState: { term: 3, vote: 'c', commit: 5 } })
      const s = reopen === undefined ? storage : await reopen()
      const restored = await s.load()
      assert.deepEqual(restored.hardState, { term: 3, vote: 'c', commit: 5 })
      assert.equal(restored.snapshot?.metadata.index, 3)
      assert.deepEqual(restored.snapshot?.metadata.conf, { voters: ['a', 'b'], learners: ['c'] })
      assert.deepEqual(restored.entries.map(x => [x.index, x.term, new TextDecoder().decode(x.data)]), [[4, 2, 'v4.2'], [5, 3, 'v5.3'], [6, 3, 'v6.3']])
      await s.close()
    })

    it('matches a reference model under random batches (property)', async () => {
      await fc.assert(fc.asyncProperty(
        fc.array(fc.record({ kind: fc.constantFrom('append', 'append', 'append', 'compact', 'snapshot', 'reopen'), back: fc.nat(5), n: fc.integer({ min: 1, max: 4 }), term: fc.integer({ min: 1, max: 9 }) }), { maxLength: 12 }),
        async (ops) => {
          const created = await impl.create()
          const reopen = created.reopen
          let storage = created.storage
          let model: Entry[] = []
          let snapIndex = 0
          for (const op of ops) {
            const last = snapIndex + model.length
            if (op.kind === 'append') {
              const start = Math.max(snapIndex + 1, last + 1 - op.back)
              const fresh = Array.from({ length: op.n }, (_, i) => e(start + i, op.term))
              await storage.persist({ entries: fresh })
              model = model.slice(0, start - snapIndex - 1).concat(fresh)
            } else if (op.kind === 'compact' && model.length > 0) {
              const to = snapIndex + Math.min(model.length, op.n)
              await storage.persist({ compactedTo: snap(to, (model[to - snapIndex - 1] as Entry).term) })
              model = model.slice(to - snapIndex)
              snapIndex = to
            } else if (op.kind === 'reopen' && reopen !== undefined) {
              storage = await reopen(storage)
            } else if (op.kind === 'snapshot') {
              const to = last + op.n
              await storage.persist({ snapshot: snap(to, op.term) })
              model = []
              snapIndex = to
            }
          }
          const s = reopen === undefined ? storage : await reopen(storage)
          const restored = await s.load()
          assert.equal(restored.snapshot?.metadata.index ?? 0, snapIndex)
          assert.deepEqual(restored.entries.map(x => [x.index, x.term]), model.map(x => [x.index, x.term]))
          await s.close()
        }
      ), { numRuns: impl.name === 'level' ? 25 : 100 })
    })
  })
}

/** The first index of every run on disk, and whether any key of the layout before runs is left. */
async function storedRuns (location: string): Promise<{ runs: number[], legacy: number }> {
  const raw = new ClassicLevel<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' })
  await raw.open()
  const runs: number[] = []
  for await (const key of raw.keys({ gte: runKey(0), lte: runKey(Number.MAX_SAFE_INTEGER) })) runs.push(Number(Buffer.from(key).readBigUInt64BE(1)))
  let legacy = 0
  for await (const _ of raw.keys({ gte: legacyEntryKey(0), lte: legacyEntryKey(Number.MAX_SAFE_INTEGER) })) legacy++
  await raw.close()
  return { runs, legacy }
}

/** A LevelRaftStorage at `location`, loaded. */
async function openLevel (location: string): Promise<LevelRaftStorage> {
  const storage = new LevelRaftStorage({ location })
  await storage.load()
  return storage
}

async function rawWrite (location: string, write: (db: ClassicLevel<Uint8Array, Uint8Array>) => Promise<void>): Promise<void> {
  const raw = new ClassicLevel<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' })
  await raw.open()
  await write(raw)
  await raw.close()
}

describe('LevelRaftStorage on disk', () => {
  it('stores each persisted batch of entries as one run, and deletes the runs a compaction covers (in the background, done by close)', async () => {
    const location = join(tempDir(), 'raft')
    const storage = await openLevel(location)
    for (let b = 0; b < 5; b++) await storage.persist({ entries: Array.from({ length: 10 }, (_, i) => e(b * 10 + i + 1, 1)), hardState: { term: 1, vote: '', commit: b * 10 + 10 } })
    await storage.persist({ compactedTo: snap(35, 1) })
    await storage.persist({ entries: [e(51, 1)] })
    await storage.close()
    // Runs 1-10, 11-20 and 21-30 are covered; 31-40 holds entries after the snapshot too.
    assert.deepEqual(await storedRuns(location), { runs: [31, 41, 51], legacy: 0 })
    const again = new LevelRaftStorage({ location })
    assert.deepEqual((await again.load()).entries.map(x => x.index), Array.from({ length: 16 }, (_, i) => 36 + i))
    await again.close()
  })

  it('replacing stored entries cuts the run they are in and deletes the runs after it', async () => {
    const location = join(tempDir(), 'raft')
    const storage = await openLevel(location)
    await storage.persist({ entries: [e(1, 1), e(2, 1), e(3, 1), e(4, 1)] })
    await storage.persist({ entries: [e(5, 1), e(6, 1)] })
    await storage.persist({ entries: [e(3, 2)] })
    await storage.close()
    assert.deepEqual(await storedRuns(location), { runs: [1, 3], legacy: 0 })
    const again = new LevelRaftStorage({ location })
    assert.deepEqual((await again.load()).entries.map(x => [x.index, x.term]), [[1, 1], [2, 1], [3, 2]])
    await again.close()
  })

  it('runs below the snapshot left on disk (a crash before their deletion) are dropped when the log is opened', async () => {
    const location = join(tempDir(), 'raft')
    const storage = await openLevel(location)
    await storage.persist({ entries: [e(1, 1), e(2, 1)], hardState: { term: 1, vote: '', commit: 2 } })
    await storage.persist({ entries: [e(3, 1), e(4, 1), e(5, 1)], hardState: { term: 1, vote: '', commit: 5 } })
    await storage.persist({ compactedTo: snap(3, 1) })
    await storage.close()
    await rawWrite(location, async (db) => { await db.put(runKey(1), encodeEntryRun([e(1, 1), e(2, 1)])) })
    const again = new LevelRaftStorage({ location })
    const restored = await again.load()
    assert.equal(restored.snapshot?.metadata.index, 3)
    assert.deepEqual(restored.entries.map(x => x.index), [4, 5])
    await again.close()
    assert.deepEqual(await storedRuns(location), { runs: [3], legacy: 0 })
  })

  it('a log with a hole (torn write by another tool) loads as its contiguous prefix', async () => {
    const location = join(tempDir(), 'raft')
    const storage = await openLevel(location)
    for (let i = 1; i <= 4; i++) await storage.persist({ entries: [e(i, 1)], hardState: { term: 1, vote: '', commit: 1 } })
    await storage.close()
    await rawWrite(location, async (db) => { await db.del(runKey(3)) })
    const again = new LevelRaftStorage({ location })
    const restored = await again.load()
    assert.deepEqual(restored.entries.map(x => x.index), [1, 2])
    await again.persist({ entries: [e(3, 2)] })
    await again.close()
    const third = new LevelRaftStorage({ location })
    assert.deepEqual((await third.load()).entries.map(x => [x.index, x.term]), [[1, 1], [2, 1], [3, 2]])
    await third.close()
  })

  it('reads a log stored one entry per key (the layout before runs) and rewrites it as one run', async () => {
    const location = join(tempDir(), 'raft')
    const storage = await openLevel(location)
    await storage.persist({ hardState: { term: 2, vote: 'a', commit: 2 } })
    await storage.persist({ compactedTo: snap(1, 1) })
    await storage.close()
    await rawWrite(location, async (db) => {
      for (const x of [e(1, 1), e(2, 1), e(3, 2), e(4, 2)]) await db.put(legacyEntryKey(x.index), encodeEntry(x))
    })
    const again = new LevelRaftStorage({ location })
    const restored = await again.load()
    assert.deepEqual(restored.entries.map(x => [x.index, x.term]), [[2, 1], [3, 2], [4, 2]])
    await again.persist({ entries: [e(5, 2)] })
    await again.close()
    assert.deepEqual(await storedRuns(location), { runs: [2, 5], legacy: 0 })
    const third = new LevelRaftStorage({ location })
    assert.deepEqual((await third.load()).entries.map(x => x.index), [2, 3, 4, 5])
    await third.close()
  })
})

describe('Raft storage encodings', () => {
  it('entries round-trip with indexes and terms up to the largest safe integer; larger ones are malformed', () => {
    for (const n of [0, 1, 127, 128, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      const e: Entry = { term: n, index: n, type: 'normal', data: new Uint8Array([1]) }
      assert.deepEqual(decodeEntry(encodeEntry(e)), e)
    }
    // Field 2 (index) as varints of 2^54 (8 bytes, beyond the safe range) and 2^63 (10 bytes).
    for (const varint of [[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]]) {
      assert.throws(() => decodeEntry(new Uint8Array([0x10, ...varint])), { name: 'MalformedRaftDataError' })
    }
  })

  it('run keys sort by index', () => {
    const indexes = [0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]
    const keys = indexes.map(i => runKey(i))
    const sorted = [...keys].sort((a, b) => Buffer.compare(a, b))
    assert.deepEqual(sorted, keys)
    assert.deepEqual([...runKey(2 ** 32 + 5)], [0x72, 0, 0, 0, 1, 0, 0, 0, 5])
    assert.deepEqual([...legacyEntryKey(2 ** 32 + 5)], [0x65, 0, 0, 0, 1, 0, 0, 0, 5])
  })

  it('a run decodes only as consecutive entries from its key', () => {
    const run = encodeEntryRun([e(7, 1), e(8, 2)])
    assert.deepEqual(decodeEntryRun(run, 7).map(x => [x.index, x.term]), [[7, 1], [8, 2]])
    assert.throws(() => decodeEntryRun(run, 6), { name: 'MalformedRaftDataError' })
    assert.throws(() => decodeEntryRun(encodeEntryRun([e(7, 1), e(9, 1)]), 7), { name: 'MalformedRaftDataError' })
    assert.throws(() => decodeEntryRun(new Uint8Array([0x0a, 0x05, 0x01]), 1), { name: 'MalformedRaftDataError' })
  })
})
