import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ClockDriftError, compareHlc, hlcFromJSON, hlcToString, HybridLogicalClock } from '../../../src/replication/core/index.js'

describe('hybrid logical clock', () => {
  it('follows physical time when it moves forward', () => {
    const c = new HybridLogicalClock('a')
    assert.deepEqual(c.now(1000), { wallMs: 1000, logical: 0, node: 'a' })
    assert.deepEqual(c.now(2000), { wallMs: 2000, logical: 0, node: 'a' })
  })

  it('never goes backwards when physical time stalls or regresses', () => {
    const c = new HybridLogicalClock('a')
    const t1 = c.now(5000)
    const t2 = c.now(5000)
    const t3 = c.now(4000)
    assert.ok(compareHlc(t1, t2) < 0 && compareHlc(t2, t3) < 0)
    assert.deepEqual(t3, { wallMs: 5000, logical: 2, node: 'a' })
  })

  it('moves past a received timestamp so that later local events order after it', () => {
    const a = new HybridLogicalClock('a')
    const b = new HybridLogicalClock('b')
    const sent = a.now(10_000)
    const got = b.receive(sent, 9_000)
    assert.ok(compareHlc(got, sent) > 0)
    assert.ok(compareHlc(b.now(9_001), sent) > 0)
    const same = b.receive({ wallMs: 10_000, logical: 7, node: 'a' }, 10_000)
    assert.deepEqual(same, { wallMs: 10_000, logical: 8, node: 'b' })
  })

  it('breaks ties between equal wall time and counter by node id', () => {
    assert.ok(compareHlc({ wallMs: 1, logical: 0, node: 'a' }, { wallMs: 1, logical: 0, node: 'b' }) < 0)
    assert.equal(compareHlc({ wallMs: 1, logical: 0, node: 'a' }, { wallMs: 1, logical: 0, node: 'a' }), 0)
    assert.ok(hlcToString({ wallMs: 2, logical: 0, node: 'a' }) > hlcToString({ wallMs: 1, logical: 9, node: 'z' }))
  })

  it('refuses a remote timestamp too far ahead with ClockDriftError and stays unchanged', () => {
    const c = new HybridLogicalClock('a', { maxDriftMs: 1000 })
    c.now(5000)
    assert.throws(() => c.receive({ wallMs: 6001, logical: 0, node: 'b' }, 5000), (e: Error) => e.name === 'ClockDriftError' && e instanceof ClockDriftError)
    assert.deepEqual(c.current(), { wallMs: 5000, logical: 0, node: 'a' })
    assert.doesNotThrow(() => c.receive({ wallMs: 6000, logical: 0, node: 'b' }, 5000))
  })

  it('restarts from a persisted timestamp without reissuing it', () => {
    const c = new HybridLogicalClock('a', { last: { wallMs: 9000, logical: 3, node: 'a' } })
    assert.deepEqual(c.now(100), { wallMs: 9000, logical: 4, node: 'a' })
  })

  it('validates timestamps from JSON', () => {
    assert.deepEqual(hlcFromJSON({ wallMs: 1, logical: 2, node: 'x' }), { wallMs: 1, logical: 2, node: 'x' })
    assert.throws(() => hlcFromJSON({ wallMs: -1, logical: 0, node: 'x' }), { name: 'InvalidClockError' })
    assert.throws(() => hlcFromJSON({ wallMs: 1, logical: 0, node: '' }), { name: 'InvalidClockError' })
  })
})
