import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { GCounter, LWWMap, NodeTable, ORSet, ReplicaState, verifyDelta } from '../../../src/replication/core/index.js'
import { decodeGossip, decodePage, encodeGossip, encodePage, packDelta, unpackDelta } from '../../../src/replication/service/codec.js'
import type { Delta, JsonValue } from '../../../src/replication/core/index.js'

const json: fc.Arbitrary<JsonValue> = fc.jsonValue() as fc.Arbitrary<JsonValue>

/** Deltas of every shape: writes, siblings, tombstones, CRDT operations and anti-entropy answers. */
function deltasFrom (ops: Array<{ node: number, key: number, op: number, value: JsonValue }>): Delta[] {
  const replicas = ['12D3KooWAlpha', '12D3KooWBeta', '12D3KooWGamma'].map(nodeId => new ReplicaState({ nodeId, resolvers: { default: 'merge-union' } }))
  const out: Delta[] = []
  let now = 1_700_000_000_000
  for (const { node, key, op, value } of ops) {
    const r = replicas[node] as ReplicaState
    now += 3
    let d: Delta
    if (op === 0) d = r.write(`k/${key}`, value, now)
    else if (op === 1) d = r.delete(`k/${key}`, now)
    else if (op === 2) d = r.mutateCrdt(`g/${key}`, GCounter, (s, a) => GCounter.increment(s, a.node, 2), now)
    else if (op === 3) d = r.mutateCrdt(`s/${key}`, ORSet, (s, a) => ORSet.add(s, a.node, value), now)
    else d = r.mutateCrdt(`m/${key}`, LWWMap, (s, a) => LWWMap.set(s, 'f', value, a.hlc), now)
    out.push(d)
    for (const other of replicas) if (other !== r && (key + node) % 2 === 0) other.applyDelta(d)
  }
  for (const r of replicas) out.push(...r.getUpdatesSince({}).deltas)
  return out
}

describe('replication wire codec', () => {
  it('packs and unpacks every delta losslessly (the checksum still verifies)', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ node: fc.integer({ min: 0, max: 2 }), key: fc.integer({ min: 0, max: 3 }), op: fc.integer({ min: 0, max: 4 }), value: json }), { maxLength: 25 }),
      (ops) => {
        const deltas = deltasFrom(ops)
        const table = new NodeTable()
        const packed = deltas.map(d => packDelta(d, table))
        const message = decodeGossip(encodeGossip('12D3KooWAlpha', { '12D3KooWAlpha': 3 }, table, packed))
        assert.deepEqual(message.clock, { '12D3KooWAlpha': 3 })
        const back = message.deltas.map(x => unpackDelta(x, message.nodes))
        for (let i = 0; i < deltas.length; i++) {
          assert.ok(verifyDelta(back[i] as Delta), 'the unpacked delta verifies')
          assert.deepEqual(JSON.parse(JSON.stringify(back[i])), JSON.parse(JSON.stringify(deltas[i])))
        }
      }
    ), { numRuns: 150 })
  })

  it('is much smaller than the core JSON form', () => {
    const r = new ReplicaState({ nodeId: '12D3KooWN2RXAucsBew7VowPKLYzNTVmFvnMXxK612rVaFFmHh4G' })
    const table = new NodeTable()
    const texts: string[] = []
    for (let i = 0; i < 100; i++) texts.push(packDelta(r.write(`k/${i}`, { i }, 1_700_000_000_000 + i), table))
    const packedBytes = encodeGossip(r.nodeId, r.clock(), table, texts).length / 100
    assert.ok(packedBytes < 200, `${packedBytes} bytes per delta`)
  })

  it('refuses malformed packed deltas with MalformedReplicationMessageError', () => {
    const r = new ReplicaState({ nodeId: 'A' })
    const table = new NodeTable()
    const good = JSON.parse(packDelta(r.write('k', 1, 5), table)) as unknown[]
    const bad: unknown[] = [
      null, 'x', [], ['z', ...good.slice(1)],
      [good[0], 7, ...good.slice(2)],
      [...good.slice(0, 2), 99, ...good.slice(3)],
      [...good.slice(0, 3), [1, 2], ...good.slice(4)],
      [...good.slice(0, 5), 'short', ...good.slice(6)],
      [...good.slice(0, 6), [[0, 0, [1, 0, 0], 0, 1]], good[7]],
      [...good.slice(0, 6), [[0, 1, [1, 0, 0], 2, 1]], good[7]],
      [...good.slice(0, 7), [0]],
      ['c', ...good.slice(1, 6), 'no-such-crdt', {}, []]
    ]
    for (const x of bad) assert.throws(() => unpackDelta(x, table.ids), { name: 'MalformedReplicationMessageError' }, JSON.stringify(x))
    assert.throws(() => decodeGossip(new TextEncoder().encode('{"v":1,"from":"A","deltas":[]}')), { name: 'MalformedReplicationMessageError' })
    assert.throws(() => decodePage(new TextEncoder().encode('{"nodes":[],"deltas":[],"done":true}')), { name: 'MalformedReplicationMessageError' })
    const page = decodePage(encodePage(table, [], { origin: 'A', clock: { A: 1 } }))
    assert.equal(page.done, true)
    assert.deepEqual(page.clock, { A: 1 })
  })
})
