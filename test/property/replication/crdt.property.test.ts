import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { seededRandom } from '../../../src/util/pure/random.js'
import { canonicalJson, GCounter, LWWMap, LWWRegister, MVRegister, ORSet, PNCounter } from '../../../src/replication/core/index.js'
import type { CrdtDefinition, Hlc } from '../../../src/replication/core/index.js'

const NODES = ['a', 'b', 'c']

interface Step<O> { replica: number, op: O, deliverFrom: number, deliverTo: number }

/**
 * Runs a random history on three replicas: each step applies an operation at one replica (joining its delta)
 * and delivers one earlier delta to some replica. Returns the three states and every delta issued.
 */
function run<S, O> (def: CrdtDefinition<S>, apply: (s: S, node: string, hlc: Hlc, op: O) => S, steps: Array<Step<O>>): { states: S[], deltas: S[] } {
  const states = NODES.map(() => def.empty())
  const deltas: S[] = []
  steps.forEach((step, i) => {
    const node = NODES[step.replica] as string
    const delta = apply(states[step.replica] as S, node, { wallMs: i, logical: 0, node }, step.op)
    deltas.push(delta)
    states[step.replica] = def.join(states[step.replica] as S, delta)
    const k = step.deliverFrom % deltas.length
    states[step.deliverTo] = def.join(states[step.deliverTo] as S, deltas[k] as S)
  })
  return { states, deltas }
}

function laws<S, O> (name: string, def: CrdtDefinition<S>, op: fc.Arbitrary<O>, apply: (s: S, node: string, hlc: Hlc, op: O) => S): void {
  const steps = fc.array(fc.record({ replica: fc.nat({ max: 2 }), op, deliverFrom: fc.nat({ max: 1000 }), deliverTo: fc.nat({ max: 2 }) }), { maxLength: 30 })
  const text = (s: S): string => canonicalJson(def.toJSON(s))

  describe(`${name} laws`, () => {
    it('join is commutative, associative and idempotent on reachable states', () => {
      fc.assert(fc.property(steps, (st) => {
        const [a, b, c] = run(def, apply, st).states as [S, S, S]
        assert.equal(text(def.join(a, b)), text(def.join(b, a)))
        assert.equal(text(def.join(def.join(a, b), c)), text(def.join(a, def.join(b, c))))
        assert.equal(text(def.join(a, a)), text(a))
        assert.equal(text(def.join(a, def.empty())), text(a))
      }), { numRuns: 150 })
    })

    it('joining the deltas in any order, with duplicates, equals joining the full states', () => {
      fc.assert(fc.property(steps, fc.integer(), (st, seed) => {
        const { states, deltas } = run(def, apply, st)
        const full = states.reduce((x, y) => def.join(x, y), def.empty())
        const rng = seededRandom(seed)
        const shuffled = rng.shuffle([...deltas, ...deltas.filter(() => rng.chance(0.3))])
        const fromDeltas = shuffled.reduce((x, d) => def.join(x, d), def.empty())
        assert.equal(text(fromDeltas), text(full))
        assert.equal(canonicalJson(def.value(fromDeltas)), canonicalJson(def.value(full)))
      }), { numRuns: 150 })
    })

    it('survives a JSON round trip', () => {
      fc.assert(fc.property(steps, (st) => {
        for (const s of run(def, apply, st).states) {
          assert.equal(text(def.fromJSON(JSON.parse(JSON.stringify(def.toJSON(s))))), text(s))
        }
      }), { numRuns: 50 })
    })
  })
}

const element = fc.constantFrom('x', 'y', 'z', 1, { id: 2 })

laws('G-Counter', GCounter, fc.nat({ max: 5 }), (s, node, _t, by) => GCounter.increment(s, node, by))
laws('PN-Counter', PNCounter, fc.integer({ min: -5, max: 5 }), (s, node, _t, by) => PNCounter.increment(s, node, by))
laws('LWW-Register', LWWRegister, element, (s, _node, t, v) => LWWRegister.set(s, v, t))
laws('MV-Register', MVRegister, element, (s, node, _t, v) => MVRegister.set(s, node, v))
laws('OR-Set', ORSet, fc.record({ add: fc.boolean(), x: element }), (s, node, _t, o) => o.add ? ORSet.add(s, node, o.x) : ORSet.remove(s, o.x))
laws('LWW-Map', LWWMap, fc.record({ set: fc.boolean(), key: fc.constantFrom('p', 'q'), v: element }), (s, _node, t, o) => o.set ? LWWMap.set(s, o.key, o.v, t) : LWWMap.remove(s, o.key, t))

describe('counter semantics', () => {
  it('a PN-Counter converges to the sum of all increments', () => {
    fc.assert(fc.property(fc.array(fc.record({ replica: fc.nat({ max: 2 }), by: fc.integer({ min: -9, max: 9 }) }), { maxLength: 40 }), (ops) => {
      const states = NODES.map(() => PNCounter.empty())
      for (const { replica, by } of ops) states[replica] = PNCounter.join(states[replica] as never, PNCounter.increment(states[replica] as never, NODES[replica] as string, by))
      const merged = states.reduce((x, y) => PNCounter.join(x, y), PNCounter.empty())
      assert.equal(PNCounter.value(merged), ops.reduce((sum, o) => sum + o.by, 0))
    }))
  })
})
