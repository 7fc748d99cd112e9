import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { checkLinearizable, type Model } from '../../helpers/linearizability/checker.js'
import { kvModel, type KvInput, type KvOperation, type KvOutput } from '../../helpers/linearizability/kv-model.js'
import { buildHistory, type PlannedOp } from '../../helpers/linearizability/history-generator.js'
import { seededRandom } from '../../../src/util/pure/random.js'

/** One operation: `[client, call, return, input, output]`; omit return/output for a timed-out one. */
function op (client: number, call: number, ret: number, input: KvInput, output?: KvOutput): KvOperation {
  return output === undefined ? { client, input, call, return: ret } : { client, input, call, return: ret, output }
}
const put = (key: string, value: string): KvInput => ({ op: 'put', key, value })
const get = (key: string): KvInput => ({ op: 'get', key })
const cas = (key: string, expect: string | null, value: string): KvInput => ({ op: 'cas', key, expect, value })
const del = (key: string): KvInput => ({ op: 'delete', key })
const read = (value: string | null): KvOutput => ({ value })
const done: KvOutput = {}
const swapped = (ok: boolean): KvOutput => ({ ok })

function assertLinearizable (history: KvOperation[]): void {
  const result = checkLinearizable(kvModel, history)
  assert.deepEqual(result.ok, true, result.ok === false ? result.explanation : 'gave up')
}

function assertNotLinearizable (history: KvOperation[]): void {
  const result = checkLinearizable(kvModel, history)
  assert.equal(result.ok, false)
}

describe('checkLinearizable: linearizable histories', () => {
  it('accepts the empty history and a sequential one', () => {
    assertLinearizable([])
    assertLinearizable([
      op(1, 0, 1, get('a'), read(null)),
      op(1, 2, 3, put('a', '1'), done),
      op(2, 4, 5, get('a'), read('1')),
      op(1, 6, 7, cas('a', '1', '2'), swapped(true)),
      op(2, 8, 9, cas('a', '1', '3'), swapped(false)),
      op(1, 10, 11, get('a'), read('2')),
      op(2, 12, 13, del('a'), done),
      op(1, 14, 15, get('a'), read(null)),
      op(1, 16, 17, cas('a', null, '4'), swapped(true)),
      op(2, 18, 19, get('a'), read('4'))
    ])
  })

  it('accepts overlapping writes whichever order they took effect in', () => {
    const writes = [op(1, 0, 10, put('a', 'x'), done), op(2, 1, 9, put('a', 'y'), done)]
    assertLinearizable([...writes, op(3, 11, 12, get('a'), read('x'))])
    assertLinearizable([...writes, op(3, 11, 12, get('a'), read('y'))])
  })

  it('accepts a read concurrent with a write seeing either value', () => {
    const before = op(1, 0, 1, put('a', 'old'), done)
    const write = op(1, 2, 10, put('a', 'new'), done)
    assertLinearizable([before, write, op(2, 3, 4, get('a'), read('old'))])
    assertLinearizable([before, write, op(2, 3, 4, get('a'), read('new'))])
    // Two reads in the window: old then new is fine.
    assertLinearizable([before, write, op(2, 3, 4, get('a'), read('old')), op(2, 5, 6, get('a'), read('new'))])
  })

  it('accepts operations whose intervals only touch as concurrent', () => {
    assertLinearizable([op(1, 0, 5, put('a', '1'), done), op(2, 5, 6, get('a'), read(null))])
  })

  it('accepts a timed-out write that was later observed', () => {
    assertLinearizable([
      op(1, 0, 1, put('a', '1'), done),
      op(1, 2, Infinity, put('a', '2')),
      op(2, 50, 51, get('a'), read('2')),
      op(2, 52, 53, get('a'), read('2'))
    ])
  })

  it('accepts a timed-out write that was never observed', () => {
    assertLinearizable([
      op(1, 0, 1, put('a', '1'), done),
      op(1, 2, Infinity, put('a', '2')),
      op(2, 50, 51, get('a'), read('1')),
      op(2, 52, 53, get('a'), read('1'))
    ])
  })

  it('accepts a timed-out write observed only after a later write is overwritten by it', () => {
    // The pending write may take effect long after its call, after other writes.
    assertLinearizable([
      op(1, 0, Infinity, put('a', 'late'), undefined),
      op(2, 5, 6, put('a', 'x'), done),
      op(2, 7, 8, get('a'), read('x')),
      op(2, 9, 10, get('a'), read('late'))
    ])
  })

  it('accepts a history that needs an unknown-outcome delete between two touching operations', () => {
    // Found by the brute-force comparison against a checker whose memo pruning was the wrong way round.
    assertLinearizable([
      op(0, 7, 7, cas('a', null, '1'), swapped(true)),
      op(0, 8, 8, cas('a', null, '1'), swapped(true)),
      op(0, 6, 7, put('a', '1'), done),
      op(0, 0, Infinity, del('a'))
    ])
  })

  it('checks keys independently', () => {
    assertLinearizable([
      op(1, 0, 10, put('a', '1'), done),
      op(2, 0, 10, put('b', '1'), done),
      op(1, 11, 12, get('b'), read('1')),
      op(2, 11, 12, get('a'), read('1'))
    ])
  })
})

describe('checkLinearizable: non-linearizable histories', () => {
  it('rejects a stale read after a completed write', () => {
    assertNotLinearizable([
      op(1, 0, 1, put('a', '1'), done),
      op(1, 2, 3, put('a', '2'), done),
      op(2, 4, 5, get('a'), read('1'))
    ])
  })

  it('rejects a lost write: completed but never visible, later reads see the older value', () => {
    assertNotLinearizable([
      op(1, 0, 1, put('a', 'old'), done),
      op(2, 2, 6, put('a', 'new'), done),
      op(3, 3, 4, get('a'), read('old')),
      op(3, 7, 8, get('a'), read('old'))
    ])
  })

  it('rejects a read of a value never written', () => {
    assertNotLinearizable([op(1, 0, 1, put('a', '1'), done), op(2, 0, 5, get('a'), read('ghost'))])
    assertNotLinearizable([op(2, 0, 5, get('a'), read('ghost'))])
  })

  it('rejects CAS anomalies', () => {
    const init = op(1, 0, 1, put('a', '0'), done)
    // Two swaps from the same expected value both succeed.
    assertNotLinearizable([init, op(2, 2, 5, cas('a', '0', '1'), swapped(true)), op(3, 3, 6, cas('a', '0', '2'), swapped(true))])
    // A swap fails although the value matched and nothing else ran.
    assertNotLinearizable([init, op(2, 2, 3, cas('a', '0', '1'), swapped(false))])
    // A swap succeeds although the value did not match.
    assertNotLinearizable([init, op(2, 2, 3, cas('a', '9', '1'), swapped(true))])
    // A failed swap's value becomes visible.
    assertNotLinearizable([init, op(2, 2, 3, cas('a', '9', '1'), swapped(false)), op(2, 4, 5, get('a'), read('1'))])
    // Only-if-absent succeeds on a present key.
    assertNotLinearizable([init, op(2, 2, 3, cas('a', null, '1'), swapped(true))])
    // ...while one of two concurrent racing swaps winning is fine.
    assertLinearizable([init, op(2, 2, 5, cas('a', '0', '1'), swapped(true)), op(3, 3, 6, cas('a', '0', '2'), swapped(false)), op(1, 7, 8, get('a'), read('1'))])
  })

  it('rejects non-monotonic reads by one client', () => {
    assertNotLinearizable([
      op(1, 0, 1, put('a', '1'), done),
      op(1, 2, 20, put('a', '2'), done),
      op(3, 3, 4, get('a'), read('2')),
      op(3, 5, 6, get('a'), read('1'))
    ])
  })

  it('rejects a timed-out write that was observed and then un-happened', () => {
    assertNotLinearizable([
      op(1, 0, 1, put('a', '1'), done),
      op(1, 2, Infinity, put('a', '2')),
      op(2, 50, 51, get('a'), read('2')),
      op(2, 52, 53, get('a'), read('1'))
    ])
  })

  it('rejects a value observed before its write was called', () => {
    assertNotLinearizable([op(2, 0, 1, get('a'), read('1')), op(1, 2, Infinity, put('a', '1'))])
  })

  it('reports the failing key partition, the longest linearizable prefix and an explanation', () => {
    const history = [
      op(1, 0, 1, put('b', '1'), done),
      op(1, 0, 1, put('a', '1'), done),
      op(1, 2, 3, put('a', '2'), done),
      op(2, 4, 5, get('a'), read('1')),
      op(2, 6, 7, get('b'), read('1'))
    ]
    const result = checkLinearizable(kvModel, history)
    assert.ok(result.ok === false)
    assert.deepEqual(result.partition, history.slice(1, 4))
    assert.deepEqual(result.longestPrefix, history.slice(1, 3))
    assert.match(result.explanation, /2 of 3 operations/)
    assert.match(result.explanation, /get\(a\) -> \{"value":"1"\}/)
  })

  it('rejects malformed histories', () => {
    assert.throws(() => checkLinearizable(kvModel, [op(1, 5, 4, put('a', '1'), done)]), RangeError)
    assert.throws(() => checkLinearizable(kvModel, [op(1, Infinity, Infinity, put('a', '1'))]), RangeError)
  })
})

describe('checkLinearizable: search bounds', () => {
  it('gives up with unknown when the timeout runs out', () => {
    // 40 fully concurrent writes and a read of a value nobody wrote: refuting it means trying every
    // subset of writes before the read, far more than 50 ms of work.
    const history: KvOperation[] = []
    for (let i = 0; i < 40; i++) history.push(op(i, i, 1000, put('a', `v${i}`), done))
    history.push(op(99, 100, 200, get('a'), read('ghost')))
    const t0 = performance.now()
    const result = checkLinearizable(kvModel, history, { timeoutMs: 50 })
    const elapsed = performance.now() - t0
    assert.equal(result.ok, 'unknown')
    assert.ok(elapsed < 1000, `took ${elapsed} ms`)
  })

  it('prefers a definite failure in one partition over a timeout in another', () => {
    // The hopeless key comes first, so the checker times out on it before it reaches the bad one.
    const history: KvOperation[] = []
    for (let i = 0; i < 40; i++) history.push(op(i, i, 1000, put('a', `v${i}`), done))
    history.push(op(99, 100, 200, get('a'), read('ghost')))
    history.push(op(1, 0, 1, put('x', '1'), done), op(1, 2, 3, get('x'), read('nope')))
    const result = checkLinearizable(kvModel, history, { timeoutMs: 50 })
    assert.equal(result.ok, false)
  })

  it('works without a partition function (whole history as one part)', () => {
    const { partition: _unused, ...whole } = kvModel
    const model: Model<ReadonlyMap<string, string>, KvInput, KvOutput> = whole
    const history = buildHistory(randomPlan(seededRandom(3), 300, 4, 3))
    assert.deepEqual(checkLinearizable(model, history), { ok: true })
    const broken = history.map((o) => o.input.op === 'get' && o.output !== undefined ? { ...o, output: read('ghost') } : o)
    assert.equal(checkLinearizable(model, broken).ok, false)
  })
})

function randomPlan (random: ReturnType<typeof seededRandom>, count: number, keys: number, clients: number): PlannedOp[] {
  return Array.from({ length: count }, () => ({
    client: random.int(0, clients - 1),
    kind: random.pick([0, 0, 1, 1, 1, 2, 2, 3]),
    key: random.int(0, keys - 1),
    expectPick: random.int(0, 3),
    callDelay: random.int(0, 3),
    pointDelay: random.int(0, 6),
    returnDelay: random.int(0, 6),
    timedOut: random.chance(0.02),
    tookEffect: random.chance(0.5)
  }))
}

const plannedOpArb = (clients: number, keys: number): fc.Arbitrary<PlannedOp> => fc.record({
  client: fc.nat({ max: clients - 1 }),
  kind: fc.nat({ max: 3 }),
  key: fc.nat({ max: keys - 1 }),
  expectPick: fc.nat({ max: 3 }),
  callDelay: fc.nat({ max: 4 }),
  pointDelay: fc.nat({ max: 8 }),
  returnDelay: fc.nat({ max: 8 }),
  timedOut: fc.nat({ max: 9 }).map((n) => n === 0),
  tookEffect: fc.boolean()
}, { noNullPrototype: true })

describe('checkLinearizable: properties', () => {
  it('accepts any history run sequentially against a real map with non-overlapping timings', () => {
    fc.assert(fc.property(fc.array(plannedOpArb(3, 3), { maxLength: 60 }), (plans) => {
      const history = buildHistory(plans.map((p) => ({ ...p, timedOut: false })), { sequential: true })
      for (let i = 1; i < history.length; i++) assert.ok((history[i - 1] as KvOperation).return < (history[i] as KvOperation).call)
      assertLinearizable(history)
    }), { numRuns: 1000 })
  })

  it('accepts any concurrent history whose operations took effect inside their intervals', () => {
    fc.assert(fc.property(fc.array(plannedOpArb(4, 3), { maxLength: 80 }), (plans) => {
      assertLinearizable(buildHistory(plans))
    }), { numRuns: 1000 })
  })

  it('catches any read result mutated to a never-written value', () => {
    const arb = fc.tuple(fc.array(plannedOpArb(4, 3), { minLength: 1, maxLength: 80 }), fc.nat())
    fc.assert(fc.property(arb, ([plans, pick]) => {
      const history = buildHistory(plans)
      const reads = history.map((o, i) => [o, i] as const).filter(([o]) => o.input.op === 'get' && o.output !== undefined)
      fc.pre(reads.length > 0)
      const [, at] = reads[pick % reads.length] as readonly [KvOperation, number]
      const mutated = history.slice()
      mutated[at] = { ...(history[at] as KvOperation), output: read('never-written') }
      const result = checkLinearizable(kvModel, mutated)
      assert.equal(result.ok, false)
      assert.ok(result.ok === false && result.partition.includes(mutated[at] as KvOperation))
    }), { numRuns: 1000 })
  })
})

/** Exhaustive reference: tries every order of every admissible subset of operations. */
function bruteForceLinearizable (history: readonly KvOperation[]): boolean {
  const optional = (o: KvOperation): boolean => o.output === undefined || o.return === Infinity
  const search = (state: ReadonlyMap<string, string>, remaining: readonly KvOperation[]): boolean => {
    if (remaining.every(optional)) return true
    return remaining.some((o) => {
      const mustWait = remaining.some((p) => p !== o && !optional(p) && p.return < o.call)
      if (mustWait) return false
      const step = kvModel.step(state, o.input, o.output)
      return step.ok && search(step.state, remaining.filter((p) => p !== o))
    })
  }
  return search(kvModel.init(), history)
}

describe('checkLinearizable: against an exhaustive reference', () => {
  const randomHistory = (keys: string[], pendingOneIn: number, maxLength: number): fc.Arbitrary<KvOperation[]> => {
    const value = fc.constantFrom('1', '2', '3')
    const key = fc.constantFrom(...keys)
    const input: fc.Arbitrary<KvInput> = fc.oneof(
      fc.tuple(key, value).map(([k, v]) => put(k, v)),
      key.map(get),
      fc.tuple(key, fc.option(value, { nil: null }), value).map(([k, e, v]) => cas(k, e, v)),
      key.map(del)
    )
    const randomOp = fc.record({ input, call: fc.nat({ max: 10 }), length: fc.nat({ max: 6 }), pending: fc.nat({ max: pendingOneIn - 1 }), seen: fc.option(value, { nil: null }), swapped: fc.boolean() })
      .map(({ input, call, length, pending, seen, swapped }): KvOperation => {
        if (pending === 0) return op(0, call, Infinity, input)
        const output: KvOutput = input.op === 'get' ? read(seen) : input.op === 'cas' ? { ok: swapped } : done
        return op(0, call, call + length, input, output)
      })
    return fc.array(randomOp, { maxLength })
  }

  for (const [title, keys, pendingOneIn, maxLength] of [
    ['one key, few unknown outcomes', ['a'], 6, 7],
    ['one key, many unknown outcomes', ['a'], 2, 9],
    ['two keys (checks partitioning)', ['a', 'b'], 4, 8]
  ] as const) {
    it(`agrees with brute force on small random histories: ${title}`, () => {
      let linearizable = 0
      let total = 0
      fc.assert(fc.property(randomHistory([...keys], pendingOneIn, maxLength), (history) => {
        const expected = bruteForceLinearizable(history)
        total++
        if (expected) linearizable++
        assert.equal(checkLinearizable(kvModel, history).ok, expected)
      }), { numRuns: 1500 })
      console.log(`brute-force comparison (${title}): ${linearizable} of ${total} random histories linearizable`)
      // The generator must exercise both answers.
      assert.ok(linearizable > total / 10 && linearizable < total * 0.9, `${linearizable} of ${total} linearizable`)
    })
  }
})

describe('checkLinearizable: performance', () => {
  it('checks ~2,000 operations over 10 keys with 5 concurrent clients well under a second', () => {
    const history = buildHistory(randomPlan(seededRandom(2026), 2000, 10, 5))
    const completed = history.filter((o) => o.output !== undefined)
    const overlapping = completed.filter((a) => completed.some((b) => a !== b && a.call <= b.return && b.call <= a.return)).length
    const t0 = performance.now()
    const result = checkLinearizable(kvModel, history, { timeoutMs: 5000 })
    const ms = performance.now() - t0
    console.log(`linearizability check: ${history.length} ops (${overlapping} of the completed ones overlap another, ${history.length - completed.length} timed out), 10 keys, 5 clients: ${ms.toFixed(1)} ms`)
    assert.deepEqual(result, { ok: true })
    assert.ok(ms < 500, `took ${ms.toFixed(1)} ms`)

    const broken = history.slice()
    const lastRead = broken.findLastIndex((o) => o.input.op === 'get' && o.output !== undefined)
    broken[lastRead] = { ...(broken[lastRead] as KvOperation), output: read('never-written') }
    const t1 = performance.now()
    const failing = checkLinearizable(kvModel, broken, { timeoutMs: 5000 })
    const ms1 = performance.now() - t1
    console.log(`linearizability check with one corrupted read: ${ms1.toFixed(1)} ms -> ${String(failing.ok)}`)
    assert.equal(failing.ok, false)
  })
})

