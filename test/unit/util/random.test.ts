import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { seededRandom } from '../../../src/util/pure/random.js'

describe('seededRandom', () => {
  it('replays the same sequence for the same seed', () => {
    const a = seededRandom(42)
    const b = seededRandom(42)
    for (let i = 0; i < 100; i++) assert.equal(a.next(), b.next())
  })

  it('gives different sequences for different seeds', () => {
    const a = seededRandom(1)
    const b = seededRandom(2)
    const same = Array.from({ length: 20 }, () => a.next() === b.next()).filter(Boolean).length
    assert.ok(same < 2)
  })

  it('keeps int() within bounds and covers them', () => {
    const r = seededRandom(7)
    const seen = new Set<number>()
    for (let i = 0; i < 2000; i++) {
      const v = r.int(3, 8)
      assert.ok(v >= 3 && v <= 8)
      seen.add(v)
    }
    assert.equal(seen.size, 6)
  })

  it('is roughly uniform', () => {
    const r = seededRandom(99)
    const buckets = new Array(10).fill(0)
    for (let i = 0; i < 100_000; i++) buckets[Math.floor(r.next() * 10)]++
    for (const b of buckets) assert.ok(Math.abs(b - 10_000) < 600, `bucket ${b}`)
  })

  it('shuffles into a permutation', () => {
    const r = seededRandom(5)
    const xs = [1, 2, 3, 4, 5, 6, 7, 8]
    assert.deepEqual(r.shuffle(xs).sort((x, y) => x - y), xs)
  })
})
