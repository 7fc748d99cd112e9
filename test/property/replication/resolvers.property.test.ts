import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { seededRandom } from '../../../src/util/pure/random.js'
import { canonicalJson, createResolver, mergeVersionSets, ReplicaState } from '../../../src/replication/core/index.js'
import type { Delta, JsonValue, ResolverConfig, ResolverSpec, VersionSet } from '../../../src/replication/core/index.js'

const SPECS: Record<string, ResolverSpec> = {
  lww: 'lww',
  'highest-node': 'highest-node',
  'merge-union': 'merge-union',
  'keep-siblings': { kind: 'keep-siblings', max: 2 },
  custom: { kind: 'custom', name: 'concat', merge: (a, b) => `${canonicalJson(a)}+${canonicalJson(b)}` }
}
const CONFIG: ResolverConfig = { default: 'lww', maxSiblings: 3, prefixes: Object.fromEntries(Object.entries(SPECS).map(([k, v]) => [`${k}/`, v])) }
const KEYS = Object.keys(SPECS).map(k => `${k}/key`)
const NODES = ['n1', 'n2', 'n3', 'n4']

const step = fc.record({
  node: fc.nat({ max: NODES.length - 1 }),
  kind: fc.constantFrom('write', 'write', 'write-stale', 'delete'),
  value: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom<JsonValue>([1, 2], [2, 3], { a: 1 }, { a: [2], b: 2 })) as fc.Arbitrary<JsonValue>,
  deliver: fc.nat({ max: 1000 }),
  to: fc.nat({ max: NODES.length - 1 }),
  dt: fc.nat({ max: 3 })
})

/** A random concurrent history: writes (some with stale contexts) and deletes, with partial gossip. */
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never

function history (key: string, steps: Step[]): Delta[] {
  const replicas = NODES.map(nodeId => new ReplicaState({ nodeId, resolvers: CONFIG }))
  const deltas: Delta[] = []
  let now = 1000
  for (const s of steps) {
    now += s.dt
    const r = replicas[s.node] as ReplicaState
    const d = s.kind === 'delete'
      ? r.delete(key, now)
      : r.write(key, s.value, now, s.kind === 'write-stale' ? { context: {} } : {})
    deltas.push(d)
    ;(replicas[s.to] as ReplicaState).applyDelta(deltas[s.deliver % deltas.length] as Delta)
  }
  return deltas
}

describe('resolution is deterministic and independent of arrival order', () => {
  it('replicas receiving the same deltas in different orders, with duplicates, agree on every value and checksum', () => {
    fc.assert(fc.property(fc.constantFrom(...KEYS), fc.array(step, { minLength: 1, maxLength: 30 }), fc.integer(), (key, steps, seed) => {
      const deltas = history(key, steps)
      const rng = seededRandom(seed)
      const replicas = ['x', 'y', 'z'].map(nodeId => new ReplicaState({ nodeId, resolvers: CONFIG }))
      for (const r of replicas) {
        for (const d of rng.shuffle([...deltas, ...deltas.filter(() => rng.chance(0.2))])) r.applyDelta(d)
      }
      const [first, ...rest] = replicas as [ReplicaState, ...ReplicaState[]]
      for (const r of rest) {
        assert.equal(r.checksum(), first.checksum())
        assert.deepEqual(r.read(key), first.read(key))
      }
    }), { numRuns: 200 })
  })

  it('every resolver gives the same result for any permutation of a set of versions', () => {
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), fc.integer(), (steps, seed) => {
      const rng = seededRandom(seed)
      for (const [name, spec] of Object.entries(SPECS)) {
        const versions = history(`${name}/key`, steps).flatMap(d => d.kind === 'register' ? d.versions : [])
        const unique = [...new Map(versions.map(v => [`${v.dot.node}:${v.dot.counter}`, v])).values()]
        const resolver = createResolver(spec)
        assert.deepEqual(resolver.resolve(rng.shuffle(unique)), resolver.resolve(unique))
      }
    }), { numRuns: 200 })
  })

  it('the version-set join is commutative, associative and idempotent on reachable sets', () => {
    fc.assert(fc.property(fc.array(step, { minLength: 3, maxLength: 30 }), (steps) => {
      const sets: VersionSet[] = history('merge-union/key', steps).flatMap(d => d.kind === 'register' ? [{ versions: d.versions, context: d.context }] : [])
      if (sets.length < 3) return
      const [a, b, c] = sets.slice(-3) as [VersionSet, VersionSet, VersionSet]
      const text = (s: VersionSet): string => canonicalJson(s)
      assert.equal(text(mergeVersionSets(a, b)), text(mergeVersionSets(b, a)))
      assert.equal(text(mergeVersionSets(mergeVersionSets(a, b), c)), text(mergeVersionSets(a, mergeVersionSets(b, c))))
      assert.equal(text(mergeVersionSets(a, a)), text(mergeVersionSets(a, { versions: [], context: {} })))
    }), { numRuns: 200 })
  })
})
