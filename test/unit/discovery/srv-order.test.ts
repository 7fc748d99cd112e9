import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { orderSrvRecords } from '../../../src/discovery/core/srv-order.js'
import type { SrvRecord } from '../../../src/discovery/core/srv-order.js'
import { seededRandom } from '../../../src/util/pure/random.js'

const rec = (name: string, priority: number, weight: number): SrvRecord => ({ name, priority, weight, port: 4001 })

/** Exact probability that `record` is drawn first from its priority group by the RFC 2782 selection as implemented. */
function firstPickProbability (group: readonly SrvRecord[], record: SrvRecord): number {
  const sum = group.reduce((s, r) => s + r.weight, 0)
  const zeros = group.filter(r => r.weight === 0).length
  if (zeros > 0) return record.weight === 0 ? 1 / (zeros * (sum + 1)) : record.weight / (sum + 1)
  // No weight-0 record: the (uniformly random) head of the list also wins r = 0.
  return (record.weight + 1 / group.length) / (sum + 1)
}

const srvRecordArb = fc.record({
  name: fc.constantFrom('a.example', 'b.example', 'c.example', 'd.example', 'e.example', 'f.example'),
  priority: fc.integer({ min: 0, max: 3 }),
  weight: fc.integer({ min: 0, max: 50 }),
  port: fc.integer({ min: 1, max: 65535 })
})

describe('orderSrvRecords (RFC 2782)', () => {
  it('never puts a record before one with a lower priority value, and keeps every record', () => {
    fc.assert(fc.property(fc.array(srvRecordArb, { maxLength: 20 }), fc.integer(), (records, seed) => {
      const ordered = orderSrvRecords(records, seededRandom(seed))
      assert.equal(ordered.length, records.length)
      for (let i = 1; i < ordered.length; i++) {
        assert.ok((ordered[i - 1] as SrvRecord).priority <= (ordered[i] as SrvRecord).priority)
      }
      const key = (r: SrvRecord): string => JSON.stringify(r)
      assert.deepEqual(ordered.map(key).sort(), records.map(key).sort())
    }), { numRuns: 300 })
  })

  it('draws the first record of a priority in proportion to weight (within tolerance over many draws)', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 2, maxLength: 5 }),
      fc.integer(),
      (weights, seed) => {
        const group = weights.map((w, i) => rec(`t${i}.example`, 10, w))
        const records = [rec('low.example', 20, 100), ...group]
        const random = seededRandom(seed)
        const draws = 4000
        const firsts = new Map<string, number>()
        for (let d = 0; d < draws; d++) {
          const ordered = orderSrvRecords(records, random)
          assert.equal(ordered[ordered.length - 1]?.name, 'low.example')
          const head = (ordered[0] as SrvRecord).name
          firsts.set(head, (firsts.get(head) ?? 0) + 1)
        }
        for (const r of group) {
          const p = firstPickProbability(group, r)
          const observed = (firsts.get(r.name) ?? 0) / draws
          const tolerance = 4.5 * Math.sqrt(p * (1 - p) / draws) + 0.002
          assert.ok(Math.abs(observed - p) <= tolerance, `weight ${r.weight} of ${weights}: observed ${observed}, expected ${p}`)
        }
      }), { numRuns: 25 })
  })

  it('puts heavy records ahead of light ones most of the time (weights 90 vs 10)', () => {
    const random = seededRandom(3)
    let heavyFirst = 0
    for (let i = 0; i < 2000; i++) {
      const [first] = orderSrvRecords([rec('light', 1, 10), rec('heavy', 1, 90)], random)
      if (first?.name === 'heavy') heavyFirst++
    }
    // (90 + 0.5) / 101 ≈ 0.896
    assert.ok(heavyFirst / 2000 > 0.86 && heavyFirst / 2000 < 0.93, `heavy first ${heavyFirst}/2000`)
  })

  it('gives weight-0 records only a small chance ahead of weighted ones, and orders all-zero groups uniformly', () => {
    const random = seededRandom(11)
    let zeroFirst = 0
    for (let i = 0; i < 5000; i++) {
      if (orderSrvRecords([rec('zero', 1, 0), rec('w', 1, 99)], random)[0]?.name === 'zero') zeroFirst++
    }
    assert.ok(zeroFirst > 0 && zeroFirst / 5000 < 0.03, `zero first ${zeroFirst}/5000 (expected ~1%)`)

    const counts = new Map<string, number>()
    for (let i = 0; i < 6000; i++) {
      const head = orderSrvRecords([rec('a', 1, 0), rec('b', 1, 0), rec('c', 1, 0)], random)[0]?.name ?? ''
      counts.set(head, (counts.get(head) ?? 0) + 1)
    }
    for (const name of ['a', 'b', 'c']) {
      const share = (counts.get(name) ?? 0) / 6000
      assert.ok(Math.abs(share - 1 / 3) < 0.03, `${name} first ${share}`)
    }
  })

  it('drops "." targets (service not available) and is replayable from a seed', () => {
    const records = [rec('.', 0, 5), rec('x', 1, 5), rec('y', 1, 5), rec('z', 0, 1)]
    const a = orderSrvRecords(records, seededRandom(9)).map(r => r.name)
    const b = orderSrvRecords(records, seededRandom(9)).map(r => r.name)
    assert.deepEqual(a, b)
    assert.equal(a[0], 'z')
    assert.ok(!a.includes('.'))
    assert.equal(a.length, 3)
  })
})
