import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compactContext, contextFromJSON, contextHas, contextOf, contextToJSON, joinContexts, nextDot } from '../../../src/replication/core/index.js'

describe('causal contexts (vector plus dot cloud)', () => {
  it('folds contiguous dots into the vector and keeps gaps in the cloud', () => {
    const ctx = contextOf([{ node: 'a', counter: 1 }, { node: 'a', counter: 3 }, { node: 'b', counter: 2 }, { node: 'a', counter: 2 }, { node: 'a', counter: 5 }])
    assert.deepEqual(ctx, { vv: { a: 3 }, cloud: [{ node: 'a', counter: 5 }, { node: 'b', counter: 2 }] })
    assert.ok(contextHas(ctx, { node: 'a', counter: 2 }))
    assert.ok(contextHas(ctx, { node: 'b', counter: 2 }))
    assert.ok(!contextHas(ctx, { node: 'a', counter: 4 }))
    assert.ok(!contextHas(ctx, { node: 'b', counter: 1 }))
    assert.deepEqual(nextDot(ctx, 'a'), { node: 'a', counter: 6 })
    assert.deepEqual(nextDot(ctx, 'c'), { node: 'c', counter: 1 })
  })

  it('joins contexts and closes gaps that the other side fills', () => {
    const a = contextOf([{ node: 'a', counter: 1 }, { node: 'a', counter: 3 }])
    const b = contextOf([{ node: 'a', counter: 2 }])
    assert.deepEqual(joinContexts(a, b), { vv: { a: 3 }, cloud: [] })
    assert.deepEqual(joinContexts(b, a), joinContexts(a, b))
    assert.deepEqual(compactContext({ a: 5 }, [{ node: 'a', counter: 4 }, { node: 'a', counter: 6 }]), { vv: { a: 6 }, cloud: [] })
  })

  it('round-trips JSON and rejects malformed input', () => {
    const ctx = contextOf([{ node: 'a', counter: 2 }])
    assert.deepEqual(contextFromJSON(JSON.parse(JSON.stringify(contextToJSON(ctx)))), ctx)
    assert.throws(() => contextFromJSON({ vv: {}, cloud: 'x' }), { name: 'InvalidStateError' })
    assert.throws(() => contextFromJSON({ vv: {}, cloud: [{ node: 'a', counter: 0 }] }), { name: 'InvalidClockError' })
  })
})
