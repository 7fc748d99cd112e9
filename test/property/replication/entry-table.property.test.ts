import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { EntryTable } from '../../../src/replication/core/entry-table.js'
import type { JsonValue, RegisterEntry, StoredEntry } from '../../../src/replication/core/index.js'

// Node ids include integer-like ones, which objects order before the others.
const json = fc.jsonValue().map(v => v as JsonValue)
const nodeId = fc.constantFrom('A', 'B', '12D3KooWNode', '7', '10', 'constructor')
const version = fc.record({
  dot: fc.record({ node: nodeId, counter: fc.integer({ min: 1, max: 2 ** 40 }) }),
  hlc: fc.record({ wallMs: fc.integer({ min: 0, max: 2 ** 45 }), logical: fc.nat(1000), node: nodeId }),
  value: json,
  deleted: fc.boolean()
}).map(v => v.deleted ? { ...v, value: null } : v)
const register: fc.Arbitrary<RegisterEntry> = fc.record({
  versions: fc.array(version, { maxLength: 3 }),
  context: fc.dictionary(nodeId, fc.nat(2 ** 40), { maxKeys: 4 })
}).map(({ versions, context }) => ({ kind: 'register', versions, context }))
/** The common shape: one version, its own dot as the whole context. */
const single: fc.Arbitrary<RegisterEntry> = version.map(v => ({ kind: 'register', versions: [v], context: { [v.dot.node]: v.dot.counter } }))
const crdt: fc.Arbitrary<StoredEntry> = fc.record({
  state: json,
  top: fc.dictionary(nodeId, fc.nat(100), { maxKeys: 3 })
}).map(({ state, top }) => ({ kind: 'crdt', crdtType: 'g-counter', state, top, hlc: null }))

/** What JSON keeps of an entry (the table's contract: -0 comes back as 0). */
function asJson (e: StoredEntry): unknown {
  return JSON.parse(JSON.stringify(e))
}

describe('EntryTable', () => {
  it('gives back every entry it was given, key by key, with the same context key order', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.oneof(single, register, crdt)), { maxLength: 30 }), (writes) => {
      const table = new EntryTable()
      const expected = new Map<string, StoredEntry>()
      for (const [key, entry] of writes) {
        table.set(key, entry)
        expected.set(key, entry)
      }
      assert.equal(table.size, expected.size)
      assert.deepEqual([...table.keys()], [...expected.keys()])
      for (const [key, entry] of expected) {
        const got = table.get(key) as StoredEntry
        assert.deepEqual(asJson(got), asJson(entry))
        if (entry.kind === 'register') assert.deepEqual(Object.keys((got as RegisterEntry).context), Object.keys(entry.context))
      }
    }), { numRuns: 300 })
  })

  it('deletes, and answers undefined for keys it does not hold', () => {
    const table = new EntryTable()
    const entry: RegisterEntry = { kind: 'register', versions: [{ dot: { node: 'A', counter: 2 }, hlc: { wallMs: 1, logical: 0, node: 'A' }, value: { a: [1, 'x'] }, deleted: false }], context: { A: 2, B: 1 } }
    table.set('k', entry)
    assert.equal(table.has('k'), true)
    assert.deepEqual(table.get('k'), entry)
    assert.notEqual(table.get('k'), table.get('k'), 'each get returns a new object')
    assert.equal(table.delete('k'), true)
    assert.equal(table.get('k'), undefined)
    assert.equal(table.delete('k'), false)
    assert.equal(table.size, 0)
  })
})
