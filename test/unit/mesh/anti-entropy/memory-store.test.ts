import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  MemorySyncStore, fingerprintOf, entryHash, FULL_RANGE, greaterVersionWins
} from '../../../../src/mesh/core/anti-entropy/index.js'
import type { KeyRange, SyncEntry } from '../../../../src/mesh/core/anti-entropy/index.js'
import { seededRandom } from '../../../../src/util/pure/random.js'
import { entry, filledStore, keyName } from './fixtures.js'

function inRange (key: string, r: KeyRange): boolean {
  return key >= r.lower && (r.upper === null || key < r.upper)
}

describe('entryHash', () => {
  it('depends on key and version, and is stable', () => {
    const a = entryHash('a', new Uint8Array([1]))
    assert.deepEqual(a, entryHash('a', new Uint8Array([1])))
    assert.notDeepEqual(a, entryHash('a', new Uint8Array([2])))
    assert.notDeepEqual(a, entryHash('b', new Uint8Array([1])))
    // key/version boundary is unambiguous
    assert.notDeepEqual(entryHash('a', new Uint8Array([98])), entryHash('ab', new Uint8Array([])))
  })

  it('spreads bits: 10,000 keys give 10,000 distinct hashes with balanced bits', () => {
    const seen = new Set<string>()
    const ones = new Array(128).fill(0)
    for (let i = 0; i < 10_000; i++) {
      const h = entryHash(keyName(i), new Uint8Array([0, 1]))
      seen.add(h.join(','))
      for (let lane = 0; lane < 4; lane++) for (let bit = 0; bit < 32; bit++) if ((h[lane] as number) >>> bit & 1) ones[lane * 32 + bit]++
    }
    assert.equal(seen.size, 10_000)
    for (const c of ones) assert.ok(c > 4_700 && c < 5_300, `bit set ${c} times of 10,000`)
  })
})

describe('MemorySyncStore', () => {
  it('keeps fingerprints, ranks and order equal to a from-scratch computation under random writes', () => {
    const random = seededRandom(11)
    const store = new MemorySyncStore()
    const model = new Map<string, SyncEntry>()
    for (let step = 0; step < 3_000; step++) {
      const key = keyName(random.int(0, 800))
      const op = random.int(0, 9)
      if (op < 7) {
        const e = entry(key, random.int(1, 5))
        store.set(e)
        model.set(key, e)
      } else {
        assert.equal(store.delete(key), model.delete(key))
      }
      if (step % 100 === 0) {
        const sorted = [...model.values()].sort((a, b) => (a.key < b.key ? -1 : 1))
        assert.equal(store.size, sorted.length)
        assert.deepEqual([...store.entries()].map(e => e.key), sorted.map(e => e.key))
        for (let q = 0; q < 20; q++) {
          const lo = random.chance(0.2) ? '' : keyName(random.int(0, 800))
          const hi = random.chance(0.2) ? null : keyName(random.int(0, 800))
          const range = { lower: lo, upper: hi }
          const expected = sorted.filter(e => inRange(e.key, range))
          assert.deepEqual(store.fingerprint(range), fingerprintOf(expected))
          assert.deepEqual([...store.versions(range)].map(e => e.key), expected.map(e => e.key))
          const offset = random.int(0, expected.length + 1)
          assert.equal(store.keyAt(range, offset), expected[offset]?.key)
        }
      }
    }
  })

  it('has an all-zero empty fingerprint and treats an inverted range as empty', () => {
    const s = filledStore(10)
    assert.deepEqual(new MemorySyncStore().fingerprint(FULL_RANGE), { count: 0, hash: new Uint8Array(16) })
    assert.equal(s.fingerprint({ lower: keyName(5), upper: keyName(2) }).count, 0)
    assert.equal(s.keyAt({ lower: keyName(5), upper: keyName(2) }, 0), undefined)
    assert.equal(s.keyAt(FULL_RANGE, -1), undefined)
  })

  it('fingerprint is independent of insertion order', () => {
    const keys = Array.from({ length: 500 }, (_, i) => keyName(i))
    const a = new MemorySyncStore()
    const b = new MemorySyncStore()
    for (const k of keys) a.set(entry(k, 1))
    for (const k of seededRandom(3).shuffle(keys)) b.set(entry(k, 1))
    assert.deepEqual(a.fingerprint(FULL_RANGE), b.fingerprint(FULL_RANGE))
  })

  it('applies by its merge rule: default greater version wins; a custom rule is honoured', () => {
    const s = new MemorySyncStore()
    assert.equal(s.apply(entry('x', 2)), true)
    assert.equal(s.apply(entry('x', 1)), false)
    assert.equal(s.apply(entry('x', 2)), false)
    assert.equal(s.apply(entry('x', 3)), true)
    assert.deepEqual(s.get('x'), entry('x', 3))
    const firstWins = new MemorySyncStore({ merge: (current) => current === undefined })
    firstWins.apply(entry('x', 1))
    assert.equal(firstWins.apply(entry('x', 9)), false)
    assert.equal(greaterVersionWins(undefined, entry('y', 0)), true)
  })

  it('answers range fingerprints in about O(log n): 20,000 queries on 100,000 keys well under a second', () => {
    const s = filledStore(100_000)
    const random = seededRandom(5)
    const t0 = performance.now()
    let total = 0
    for (let q = 0; q < 20_000; q++) {
      const a = random.int(0, 99_999)
      total += s.fingerprint({ lower: keyName(a), upper: keyName(a + random.int(1, 50_000)) }).count
    }
    const ms = performance.now() - t0
    assert.ok(total > 0)
    // An O(n) scan per query would take minutes here.
    assert.ok(ms < 1_500, `20,000 fingerprints took ${ms.toFixed(0)} ms`)
  })
})
