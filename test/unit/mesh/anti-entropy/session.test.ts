import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  MemorySyncStore, SyncSession, syncInMemory, shortestSeparator
} from '../../../../src/mesh/core/anti-entropy/index.js'
import type { SyncMessage } from '../../../../src/mesh/core/anti-entropy/index.js'
import { decodeSyncMessage, encodeSyncMessage, encodedSize } from '../../../../src/mesh/pb/sync-codec.js'
import { seededRandom } from '../../../../src/util/pure/random.js'
import { copyStore, dump, entry, filledStore, keyName } from './fixtures.js'

const viaCodec = (m: SyncMessage): SyncMessage => decodeSyncMessage(encodeSyncMessage(m))

describe('SyncSession between two stores', () => {
  it('two empty stores finish in one exchange', () => {
    const r = syncInMemory(new MemorySyncStore(), new MemorySyncStore())
    assert.equal(r.completed, true)
    assert.equal(r.messagesDelivered, 2)
    assert.equal(r.initiator.entriesSent + r.responder.entriesSent, 0)
  })

  for (const emptySide of ['initiator', 'responder'] as const) {
    it(`empty ${emptySide} vs 2,000 keys: receives every entry, asks for nothing back`, () => {
      const full = filledStore(2_000)
      const empty = new MemorySyncStore()
      const r = emptySide === 'initiator' ? syncInMemory(empty, full, { transport: viaCodec }) : syncInMemory(full, empty, { transport: viaCodec })
      assert.equal(r.completed, true)
      assert.deepEqual(dump(empty), dump(full))
      assert.equal(r.initiator.entriesSent + r.responder.entriesSent, 2_000)
      assert.equal(r.initiator.keysWanted + r.responder.keysWanted, 0)
      assert.ok(r.initiator.turns <= 3, `took ${r.initiator.turns} turns`)
    })
  }

  it('equal stores exchange two messages and no entries, whatever their size', () => {
    for (const n of [1, 100, 20_000]) {
      const a = filledStore(n)
      const b = copyStore(a)
      const r = syncInMemory(a, b, { measure: encodedSize })
      assert.equal(r.completed, true)
      assert.equal(r.messagesDelivered, 2, `n=${n}`)
      assert.equal(r.initiator.entriesSent + r.responder.entriesSent, 0)
      assert.ok(r.initiator.bytesSent < 400, `n=${n}: ${r.initiator.bytesSent} bytes`)
    }
  })

  it('one key with different versions: both sides end with the winner and only that key moves', () => {
    const a = filledStore(5_000)
    const b = copyStore(a)
    a.set(entry(keyName(1234), 3, 'newer'))
    b.set(entry(keyName(1234), 2, 'older'))
    const r = syncInMemory(a, b)
    assert.equal(r.completed, true)
    assert.deepEqual(b.get(keyName(1234)), entry(keyName(1234), 3, 'newer'))
    assert.deepEqual(dump(a), dump(b))
    assert.equal(r.appliedByResponder, 1)
    assert.equal(r.appliedByInitiator, 0)
    // each side offers its own version once; the merge rule picks
    assert.equal(r.initiator.entriesSent, 1)
    assert.equal(r.responder.entriesSent, 1)
  })

  it('a key present on one side only moves once, in the right direction', () => {
    const a = filledStore(3_000)
    const b = copyStore(a)
    b.set(entry('k001500x', 1))
    const r = syncInMemory(a, b)
    assert.deepEqual(a.get('k001500x'), entry('k001500x', 1))
    assert.equal(r.responder.entriesSent, 1)
    assert.equal(r.initiator.entriesSent, 0)
  })

  it('tombstones are ordinary entries: a newer deletion replaces the value on the other side', () => {
    const a = filledStore(1_000)
    const b = copyStore(a)
    const tombstone = { key: keyName(10), version: new Uint8Array([0, 0, 0, 2]), payload: new Uint8Array(0) }
    a.set(tombstone)
    syncInMemory(b, a)
    assert.deepEqual(b.get(keyName(10)), tombstone)
    assert.deepEqual(dump(a), dump(b))
  })

  it('streams a large difference in bounded messages', () => {
    const a = filledStore(5_000)
    const b = new MemorySyncStore()
    const sizes: number[] = []
    const counts: number[] = []
    const r = syncInMemory(a, b, {
      maxItemsPerMessage: 100,
      maxMessageBytes: 4_096,
      transport: (m) => {
        sizes.push(encodeSyncMessage(m).length)
        counts.push(m.entries.length + m.wants.length + m.ranges.reduce((n, x) => n + (x.kind === 'items' ? x.items.length : 1), 0))
        return m
      }
    })
    assert.equal(r.completed, true)
    assert.equal(b.size, 5_000)
    assert.ok(sizes.length >= 5_000 * 20 / 4_096, `${sizes.length} messages`)
    assert.ok(Math.max(...counts) <= 100, `max items ${Math.max(...counts)}`)
    assert.ok(Math.max(...sizes) <= 4_096, `max bytes ${Math.max(...sizes)}`)
  })

  it('is resumable: after a broken session a new one moves only what is still missing', () => {
    const diverged = (): [MemorySyncStore, MemorySyncStore] => {
      const a = filledStore(2_000)
      const b = filledStore(2_000)
      for (let i = 0; i < 2_000; i += 20) a.set(entry(keyName(i), 2)) // 100 differences
      return [a, b]
    }
    const options = { maxItemsPerMessage: 10 }
    const total = syncInMemory(...diverged(), options).messagesDelivered
    // Break the connection at every point of the session; each restart must finish the job with no repeats.
    let brokenMidway = 0
    for (let stop = 1; stop < total; stop++) {
      const [a, b] = diverged()
      const first = syncInMemory(a, b, { ...options, stopAfterMessages: stop })
      assert.equal(first.completed, false)
      const second = syncInMemory(a, b, options)
      assert.equal(second.completed, true)
      assert.equal(first.appliedByResponder + second.appliedByResponder, 100)
      assert.ok(second.initiator.entriesSent <= 100 - first.appliedByResponder, `stop ${stop}: resent ${second.initiator.entriesSent}`)
      assert.deepEqual(dump(a), dump(b))
      if (first.appliedByResponder > 0 && first.appliedByResponder < 100) brokenMidway++
    }
    assert.ok(brokenMidway >= 3, `only ${brokenMidway} cut points fell inside the entry stream`)
  })

  it('converges under any interleaving of the two directions', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(seed)
      const a = filledStore(800)
      const b = filledStore(800, 300)
      for (let i = 0; i < 40; i++) a.set(entry(keyName(random.int(0, 1200)), random.int(1, 4)))
      const r = syncInMemory(a, b, { random, branching: 4, itemThreshold: 4, maxItemsPerMessage: 16 })
      assert.equal(r.completed, true)
      assert.deepEqual(dump(a), dump(b), `seed ${seed}`)
    }
  })

  it('counts bytes with a measure function, equal to the encoded sizes sent', () => {
    const a = filledStore(3_000)
    const b = filledStore(3_000, 7)
    let wire = 0
    const r = syncInMemory(a, b, { measure: encodedSize, transport: (m) => { wire += encodedSize(m); return m } })
    assert.equal(r.initiator.bytesSent + r.responder.bytesSent, wire)
    assert.equal(r.initiator.bytesSent, r.responder.bytesReceived)
    assert.equal(r.initiator.messagesSent, r.responder.messagesReceived)
    assert.equal(r.initiator.turns, r.responder.turns)
  })

  it('rejects misuse with named errors', () => {
    const s = new SyncSession(new MemorySyncStore())
    s.start()
    assert.throws(() => s.start(), { name: 'SyncProtocolError' })
    const responder = new SyncSession(new MemorySyncStore())
    const step = responder.receive({ ranges: [], wants: [], entries: [], endOfTurn: true })
    assert.equal(step.done, true)
    assert.throws(() => responder.receive({ ranges: [], wants: [], entries: [], endOfTurn: true }), { name: 'SessionClosedError' })
    assert.throws(() => new SyncSession(new MemorySyncStore(), { branching: 1 }), RangeError)
    assert.throws(() => new SyncSession(new MemorySyncStore(), { branching: 8, itemThreshold: 4 }), RangeError)
  })

  it('gives up after maxTurns instead of looping with a peer that never agrees', () => {
    const s = new SyncSession(filledStore(1_000), { maxTurns: 6 })
    const bogus: SyncMessage = {
      ranges: [{ kind: 'fingerprint', range: { lower: '', upper: null }, fingerprint: { count: 5_000, hash: new Uint8Array(16).fill(9) } }],
      wants: [],
      entries: [],
      endOfTurn: true
    }
    assert.throws(() => { for (let i = 0; i < 10; i++) s.receive(bogus) }, { name: 'SyncProtocolError' })
    assert.ok(s.stats().turns <= 6)
  })

  it('a store whose fingerprint count disagrees with keyAt is reported, not looped on', () => {
    const real = filledStore(100)
    const liar = {
      fingerprint: () => ({ count: 100, hash: new Uint8Array(16).fill(1) }),
      versions: () => [],
      keyAt: () => undefined,
      get: () => undefined,
      apply: () => false
    }
    assert.throws(() => syncInMemory(liar, real), { name: 'SyncProtocolError' })
  })
})

describe('shortestSeparator', () => {
  it('returns the shortest prefix of the key that sorts after the previous key', () => {
    assert.equal(shortestSeparator('apple', 'banana'), 'b')
    assert.equal(shortestSeparator('k000123', 'k000124'), 'k000124')
    assert.equal(shortestSeparator('k0001', 'k0002abc'), 'k0002')
    assert.equal(shortestSeparator('', 'a'), 'a')
  })

  it('never splits a surrogate pair', () => {
    const key = 'x\u{1F600}z'
    const sep = shortestSeparator('x', key)
    assert.equal(sep, 'x\u{1F600}')
    assert.ok(sep > 'x' && sep <= key)
  })
})
