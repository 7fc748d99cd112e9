import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  clockFromJSON, clockLeq, clockToJSON, compareClocks, counterOf, incrementClock, InvalidClockError, meetClocks, mergeClocks
} from '../../../src/replication/core/index.js'

describe('vector clocks', () => {
  it('orders clocks as before, after, equal or concurrent', () => {
    assert.equal(compareClocks({ a: 1 }, { a: 2 }), 'before')
    assert.equal(compareClocks({ a: 2, b: 1 }, { a: 2 }), 'after')
    assert.equal(compareClocks({ a: 2, b: 0 }, { a: 2 }), 'equal')
    assert.equal(compareClocks({}, {}), 'equal')
    assert.equal(compareClocks({ a: 1 }, { b: 1 }), 'concurrent')
    assert.equal(compareClocks({ a: 2, b: 1 }, { a: 1, b: 2 }), 'concurrent')
    assert.equal(compareClocks({}, { x: 3 }), 'before')
  })

  it('merges by pointwise maximum and increments one node', () => {
    assert.deepEqual(clockToJSON(mergeClocks({ a: 3, b: 1 }, { b: 4, c: 2 })), { a: 3, b: 4, c: 2 })
    const c = incrementClock({ a: 1 }, 'b')
    assert.deepEqual(c, { a: 1, b: 1 })
    assert.deepEqual(incrementClock(c, 'a'), { a: 2, b: 1 })
    assert.deepEqual(incrementClock(c, 'a', 7), { a: 7, b: 1 })
    assert.equal(counterOf({ a: 1 }, 'zz'), 0)
  })

  it('computes the meet (pointwise minimum) used for causal stability', () => {
    assert.deepEqual(meetClocks([{ a: 3, b: 2 }, { a: 1, b: 5, c: 1 }]), { a: 1, b: 2 })
    assert.deepEqual(meetClocks([]), {})
  })

  it('treats leq as happened-before-or-equal', () => {
    assert.ok(clockLeq({ a: 1 }, { a: 1, b: 2 }))
    assert.ok(!clockLeq({ a: 2 }, { a: 1, b: 2 }))
    assert.ok(clockLeq({}, {}))
  })

  it('round-trips the JSON form with sorted keys and no zeros', () => {
    const json = clockToJSON({ zed: 2, alpha: 0, mid: 5 })
    assert.equal(JSON.stringify(json), '{"mid":5,"zed":2}')
    assert.deepEqual(clockFromJSON(JSON.stringify(json)), { mid: 5, zed: 2 })
    assert.deepEqual(clockFromJSON({ a: 0 }), {})
  })

  it('rejects malformed clocks with InvalidClockError', () => {
    for (const bad of ['not json', '[1,2]', { a: -1 }, { a: 1.5 }, { a: '3' }, null, 42]) {
      assert.throws(() => clockFromJSON(bad), (e: Error) => e.name === 'InvalidClockError' && e instanceof InvalidClockError, JSON.stringify(bad))
    }
  })
})
