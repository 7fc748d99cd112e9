import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { MemorySyncStore, syncInMemory, FULL_RANGE, compareBytes } from '../../../src/mesh/core/anti-entropy/index.js'
import type { SyncEntry } from '../../../src/mesh/core/anti-entropy/index.js'
import { decodeSyncMessage, encodeSyncMessage, encodedSize } from '../../../src/mesh/pb/sync-codec.js'
import { seededRandom } from '../../../src/util/pure/random.js'
import { dump, entry, filledStore, keyName } from '../../unit/mesh/anti-entropy/fixtures.js'

/** Keys from a small alphabet (so they collide across sides), including multi-byte and astral characters. */
const keyArb = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é', '\u{1F600}', '/', '0'), minLength: 0, maxLength: 5 })
const sideArb = fc.array(fc.tuple(keyArb, fc.integer({ min: 0, max: 6 })), { maxLength: 120 })
const optionsArb = fc.record({
  branching: fc.integer({ min: 2, max: 12 }),
  extraThreshold: fc.integer({ min: 0, max: 10 }),
  maxItemsPerMessage: fc.integer({ min: 1, max: 40 }),
  seed: fc.integer()
})

function storeOf (items: Array<[string, number]>): MemorySyncStore {
  const s = new MemorySyncStore()
  for (const [k, v] of items) s.apply(entry(k, v))
  return s
}

/** What both stores must hold afterwards: per key, the entry the merge rule (greater version) picks. */
function expectedUnion (a: Array<[string, number]>, b: Array<[string, number]>): MemorySyncStore {
  const best = new Map<string, SyncEntry>()
  for (const [k, v] of [...a, ...b]) {
    const e = entry(k, v)
    const cur = best.get(k)
    if (cur === undefined || compareBytes(e.version, cur.version) > 0) best.set(k, e)
  }
  const s = new MemorySyncStore()
  for (const e of best.values()) s.set(e)
  return s
}

describe('anti-entropy properties', () => {
  it('syncing two random stores leaves both equal to the merged union (any options, any interleaving, through the codec)', () => {
    fc.assert(fc.property(sideArb, sideArb, optionsArb, (itemsA, itemsB, o) => {
      const a = storeOf(itemsA)
      const b = storeOf(itemsB)
      const r = syncInMemory(a, b, {
        branching: o.branching,
        itemThreshold: o.branching + o.extraThreshold,
        maxItemsPerMessage: o.maxItemsPerMessage,
        random: seededRandom(o.seed),
        transport: m => decodeSyncMessage(encodeSyncMessage(m))
      })
      assert.equal(r.completed, true)
      assert.deepEqual(a.fingerprint(FULL_RANGE), b.fingerprint(FULL_RANGE))
      assert.deepEqual(dump(a), dump(b))
      assert.deepEqual(dump(a), dump(expectedUnion(itemsA, itemsB)))
    }), { numRuns: 300 })
  })

  it('a session cut anywhere and then rerun still converges', () => {
    fc.assert(fc.property(sideArb, sideArb, fc.integer({ min: 1, max: 30 }), (itemsA, itemsB, cut) => {
      const a = storeOf(itemsA)
      const b = storeOf(itemsB)
      syncInMemory(a, b, { branching: 2, itemThreshold: 2, maxItemsPerMessage: 3, stopAfterMessages: cut })
      const r = syncInMemory(b, a, { branching: 2, itemThreshold: 2, maxItemsPerMessage: 3 })
      assert.equal(r.completed, true)
      assert.deepEqual(dump(a), dump(expectedUnion(itemsA, itemsB)))
      assert.deepEqual(dump(b), dump(a))
    }), { numRuns: 150 })
  })

  it('bytes grow with the difference, not the store: 1,000 vs 50,000 keys with the same 10 differences', () => {
    const small = filledStore(1_000)
    const large = filledStore(50_000)
    const copy = (s: MemorySyncStore): MemorySyncStore => { const c = new MemorySyncStore(); for (const e of s.entries()) c.set(e); return c }
    const smallBase = copy(small)
    const largeBase = copy(large)
    fc.assert(fc.property(
      // Differences at least 16 keys apart (the session's item threshold), so that they are isolated in
      // both stores alike; clustered differences are cheaper in the small store and would compare unlike shapes.
      fc.uniqueArray(fc.integer({ min: 0, max: 61 }).map(i => i * 16), { minLength: 10, maxLength: 10 }),
      fc.array(fc.constantFrom('a-newer', 'b-newer', 'a-only', 'b-only'), { minLength: 10, maxLength: 10 }),
      (positions, kinds) => {
        const bytesFor = (base: MemorySyncStore, n: number): number => {
          const a = copy(base)
          const b = copy(base)
          positions.forEach((p, i) => {
            // spread the same 10 differences over the whole keyspace of each store
            const key = keyName(Math.floor(p * n / 1_000))
            switch (kinds[i]) {
              case 'a-newer': a.set(entry(key, 2)); break
              case 'b-newer': b.set(entry(key, 2)); break
              case 'a-only': b.delete(key); break
              default: a.delete(key)
            }
          })
          const r = syncInMemory(a, b, { measure: encodedSize })
          assert.deepEqual(a.fingerprint(FULL_RANGE), b.fingerprint(FULL_RANGE))
          return r.initiator.bytesSent + r.responder.bytesSent
        }
        const bytesSmall = bytesFor(smallBase, 1_000)
        const bytesLarge = bytesFor(largeBase, 50_000)
        // 50x the keys: log8(50,000/16) / log8(1,000/16) is about 1.9; allow up to 3x, far below 50x
        assert.ok(bytesLarge <= 3 * bytesSmall, `1,000 keys: ${bytesSmall} B, 50,000 keys: ${bytesLarge} B`)
        assert.ok(bytesLarge < 50_000, `${bytesLarge} B for 10 differences`)
      }
    ), { numRuns: 8 })
  })
})
