import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { mergeVersionSets, versionSetFromJSON, versionSetToJSON, writeVersion } from '../../../src/replication/core/index.js'
import type { Version, VersionSet } from '../../../src/replication/core/index.js'

const v = (node: string, counter: number, value: string, wallMs = counter): Version =>
  ({ dot: { node, counter }, hlc: { wallMs, logical: 0, node }, value, deleted: false })

describe('dotted version vector sets', () => {
  it('keeps concurrent writes as siblings', () => {
    const a: VersionSet = { versions: [v('a', 1, 'x')], context: { a: 1 } }
    const b: VersionSet = { versions: [v('b', 1, 'y')], context: { b: 1 } }
    const m = mergeVersionSets(a, b)
    assert.deepEqual(m.versions.map(x => x.value), ['x', 'y'])
    assert.deepEqual(m.context, { a: 1, b: 1 })
  })

  it('lets a write that has seen the siblings replace all of them (no sibling explosion)', () => {
    const siblings = mergeVersionSets({ versions: [v('a', 1, 'x')], context: { a: 1 } }, { versions: [v('b', 1, 'y')], context: { b: 1 } })
    const after = writeVersion(siblings, v('c', 1, 'z'), siblings.context)
    assert.deepEqual(after.versions.map(x => x.value), ['z'])
    assert.deepEqual(after.context, { a: 1, b: 1, c: 1 })
    // A replica that still holds the old siblings drops them on merge: the new context covers them.
    const back = mergeVersionSets(siblings, after)
    assert.deepEqual(back.versions.map(x => x.value), ['z'])
  })

  it('replaces only what a stale context covers', () => {
    const siblings = mergeVersionSets({ versions: [v('a', 1, 'x')], context: { a: 1 } }, { versions: [v('b', 1, 'y')], context: { b: 1 } })
    const after = writeVersion(siblings, v('a', 2, 'x2'), { a: 1 })
    assert.deepEqual(after.versions.map(x => x.value).sort(), ['x2', 'y'])
  })

  it('does not resurrect a superseded version that arrives late', () => {
    const old: VersionSet = { versions: [v('a', 1, 'x')], context: { a: 1 } }
    const newer = writeVersion(old, v('a', 2, 'x2'), old.context)
    assert.deepEqual(mergeVersionSets(newer, old), newer)
    assert.deepEqual(mergeVersionSets(old, newer), newer)
  })

  it('refuses to reuse a dot', () => {
    const s: VersionSet = { versions: [v('a', 1, 'x')], context: { a: 3 } }
    assert.throws(() => writeVersion(s, v('a', 2, 'y'), {}), { name: 'InvalidStateError' })
  })

  it('round-trips JSON and rejects a version its context does not cover', () => {
    const s = mergeVersionSets({ versions: [v('a', 1, 'x')], context: { a: 1 } }, { versions: [v('b', 2, 'y')], context: { b: 2 } })
    assert.deepEqual(versionSetFromJSON(JSON.parse(JSON.stringify(versionSetToJSON(s)))), s)
    assert.throws(() => versionSetFromJSON({ versions: [versionSetToJSON(s)], context: {} }), { name: 'InvalidStateError' })
    const uncovered = { versions: [{ dot: { node: 'a', counter: 5 }, hlc: { wallMs: 1, logical: 0, node: 'a' }, value: 1, deleted: false }], context: { a: 1 } }
    assert.throws(() => versionSetFromJSON(uncovered), { name: 'InvalidStateError' })
  })
})
