import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createResolver, mergeUnion, ResolverTable } from '../../../src/replication/core/index.js'
import type { JsonValue, Version } from '../../../src/replication/core/index.js'

const ver = (node: string, wallMs: number, value: JsonValue, deleted = false): Version =>
  ({ dot: { node, counter: wallMs }, hlc: { wallMs, logical: 0, node }, value: deleted ? null : value, deleted })

describe('resolvers', () => {
  it('lww picks the greatest HLC, node id breaking ties, and keeps one version in storage', () => {
    const r = createResolver('lww')
    const vs = [ver('a', 5, 'old'), ver('b', 9, 'new'), ver('c', 7, 'mid')]
    assert.deepEqual(r.resolve(vs), { present: true, value: 'new', siblings: 3 })
    assert.deepEqual(r.compact(vs).map(x => x.value), ['new'])
    assert.deepEqual(r.resolve([ver('a', 5, 'x'), ver('b', 5, 'y')]), { present: true, value: 'y', siblings: 2 })
  })

  it('lww lets a newer delete win and an older one lose', () => {
    const r = createResolver('lww')
    assert.deepEqual(r.resolve([ver('a', 1, 'x'), ver('b', 2, null, true)]), { present: false })
    assert.equal(r.resolve([ver('a', 3, 'x'), ver('b', 2, null, true)]).present, true)
  })

  it('highest-node picks the greatest node id whatever the time', () => {
    const r = createResolver('highest-node')
    assert.deepEqual(r.resolve([ver('zed', 1, 'z'), ver('abe', 99, 'a')]), { present: true, value: 'z', siblings: 2 })
  })

  it('merge-union unions arrays, merges objects recursively and settles scalars by lww', () => {
    assert.deepEqual(mergeUnion([1, 2], [2, 3]), [1, 2, 3])
    assert.deepEqual(mergeUnion({ a: [1], b: 1, n: { x: 1 } }, { a: [2], b: 2, n: { y: 2 } }), { a: [1, 2], b: 2, n: { x: 1, y: 2 } })
    assert.deepEqual(mergeUnion({ a: 1 }, [1]), [1])
    const r = createResolver('merge-union')
    assert.deepEqual(r.resolve([ver('b', 2, { tags: ['y'], v: 2 }), ver('a', 1, { tags: ['x'], v: 1 })]), { present: true, value: { tags: ['x', 'y'], v: 2 }, siblings: 2 })
    assert.deepEqual(r.resolve([ver('b', 2, null, true), ver('a', 1, [1])]), { present: true, value: [1], siblings: 1 })
    assert.deepEqual(r.resolve([ver('b', 2, null, true)]), { present: false })
  })

  it('custom functions fold live values oldest first', () => {
    const r = createResolver({ kind: 'custom', name: 'sum', merge: (a, b) => (a as number) + (b as number) })
    assert.equal(r.name, 'sum')
    assert.deepEqual(r.resolve([ver('a', 3, 30), ver('b', 1, 10), ver('c', 2, 20)]), { present: true, value: 60, siblings: 3 })
    const concat = createResolver((a, b) => `${String(a)}${String(b)}`)
    assert.deepEqual(concat.resolve([ver('a', 3, 'c'), ver('b', 1, 'a'), ver('c', 2, 'b')]), { present: true, value: 'abc', siblings: 3 })
  })

  it('keep-siblings returns the newest max live values, oldest first', () => {
    const r = createResolver({ kind: 'keep-siblings', max: 2 })
    assert.deepEqual(r.resolve([ver('a', 3, 'c'), ver('b', 1, 'a'), ver('c', 2, 'b')]), { present: true, value: ['b', 'c'], siblings: 3 })
    assert.equal(r.maxVersions, 2)
  })

  it('selects resolvers by the longest matching prefix, else the default', () => {
    const t = new ResolverTable({ default: 'highest-node', prefixes: { 'a/': 'merge-union', 'a/b/': 'keep-siblings', 'c': 'lww' } })
    assert.equal(t.resolverFor('a/b/x').name, 'keep-siblings')
    assert.equal(t.resolverFor('a/x').name, 'merge-union')
    assert.equal(t.resolverFor('cat').name, 'lww')
    assert.equal(t.resolverFor('zzz').name, 'highest-node')
    assert.equal(new ResolverTable().resolverFor('x').name, 'lww')
  })

  it('refuses unknown or invalid resolvers with InvalidResolverError', () => {
    assert.throws(() => createResolver('nope' as never), { name: 'InvalidResolverError' })
    assert.throws(() => createResolver({ kind: 'keep-siblings', max: 0 }), { name: 'InvalidResolverError' })
    assert.throws(() => new ResolverTable({ maxSiblings: 0 }), { name: 'InvalidResolverError' })
  })
})
