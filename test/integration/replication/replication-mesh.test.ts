import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { LocalMesh } from '../../../src/node/local-mesh.js'

interface ReplicationSection { keys: number, entries: number, checksum: string, conflicts: { total: number, byResolver: Record<string, number> }, bytesReplicated: number }

async function section (api: string): Promise<ReplicationSection> {
  const res = await fetch(`${api}/v1/status`)
  assert.equal(res.status, 200)
  return (await res.json() as { replication: ReplicationSection }).replication
}

async function waitFor (what: string, fn: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await fn()) return
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  assert.fail(`timed out waiting for ${what}`)
}

async function put (api: string, key: string, value: unknown): Promise<Record<string, number>> {
  const res = await fetch(`${api}/v1/data/${encodeURIComponent(key)}`, { method: 'PUT', body: JSON.stringify(value), headers: { 'Content-Type': 'application/json' } })
  assert.equal(res.status, 200, await res.clone().text())
  return (await res.json() as { clock: Record<string, number> }).clock
}

async function get (api: string, key: string): Promise<{ status: number, value?: unknown, clock?: string }> {
  const res = await fetch(`${api}/v1/data/${encodeURIComponent(key)}`)
  if (res.status !== 200) { await res.text(); return { status: res.status } }
  return { status: 200, value: await res.json(), clock: res.headers.get('x-clock') ?? undefined }
}

describe('replication between fedmesh processes', () => {
  let mesh: LocalMesh

  before(async () => {
    mesh = await LocalMesh.start({ nodes: 3 })
    // Ready when a probe written on node 1 is readable on the others.
    const api0 = mesh.node(0).api
    await waitFor('replication between all nodes', async () => {
      await put(api0, 'probe', Date.now())
      const seen = await Promise.all(mesh.nodes.slice(1).map(async n => (await get(n.api, 'probe')).status === 200))
      return seen.every(Boolean)
    })
  })

  after(async () => {
    await mesh?.stop()
  })

  it('three processes writing the same keys concurrently converge', async () => {
    const keys = Array.from({ length: 60 }, (_, k) => `race/${k}`)
    await Promise.all(mesh.nodes.map(async (n) => {
      for (const key of keys) await put(n.api, key, { writer: n.index, key })
    }))
    await Promise.all(mesh.nodes.map(async (n) => {
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${n.api}/v1/crdt/counter/visits`, { method: 'POST', body: JSON.stringify({ by: n.index + 1 }) })
        assert.equal(res.status, 200)
        await res.text()
      }
    }))
    const del = await fetch(`${mesh.node(1).api}/v1/data/race%2F0`, { method: 'DELETE' })
    assert.equal(del.status, 200)
    await del.text()
    await waitFor('equal checksums', async () => {
      const all = await Promise.all(mesh.nodes.map(async n => section(n.api)))
      return new Set(all.map(s => s.checksum)).size === 1 && all.every(s => s.keys === all[0]!.keys)
    })
    for (const key of keys.slice(1)) {
      const seen = await Promise.all(mesh.nodes.map(async n => get(n.api, key)))
      assert.ok(seen.every(s => s.status === 200))
      assert.equal(new Set(seen.map(s => JSON.stringify(s.value))).size, 1, `${key} resolves alike everywhere`)
      // X-Clock is the key's context above each node's stability floor, so it may differ while floors do.
      assert.ok(seen.every(s => s.clock !== undefined && typeof JSON.parse(s.clock) === 'object'))
    }
    for (const n of mesh.nodes) assert.equal((await get(n.api, 'race/0')).status, 404)
    for (const n of mesh.nodes) {
      const res = await fetch(`${n.api}/v1/crdt/counter/visits`)
      assert.deepEqual((await res.json() as { value: number }).value, 5 * (1 + 2 + 3))
    }
    const s = await section(mesh.node(0).api)
    assert.ok(s.bytesReplicated > 0)
    assert.ok(s.keys >= 60)
  })

  it('a restarted process keeps its data (from disk, before any peer could send it)', async () => {
    await put(mesh.node(2).api, 'durable/1', { kept: true })
    const before = await section(mesh.node(2).api)
    const code = await mesh.signal(2, 'SIGTERM')
    assert.equal(code, 0)
    // Restarted alone: no bootstrap and no mDNS, so whatever it holds came from its own data dir.
    const again = await mesh.spawnNode(2, [])
    const after = await section(again.api)
    assert.equal(after.checksum, before.checksum)
    assert.equal(after.keys, before.keys)
    assert.deepEqual((await get(again.api, 'durable/1')).value, { kept: true })
    assert.equal((await get(again.api, 'race/0')).status, 404)
  })

  it('takes several writes in one POST /v1/data and replicates them', async () => {
    const put: Record<string, unknown> = {}
    for (let i = 0; i < 500; i++) put[`bulk/${i}`] = { i }
    const res = await fetch(`${mesh.node(0).api}/v1/data`, { method: 'POST', body: JSON.stringify({ put, delete: ['bulk/3'] }) })
    assert.equal(res.status, 200)
    const { clocks } = await res.json() as { clocks: Record<string, Record<string, number>> }
    assert.equal(Object.keys(clocks).length, 500)
    await waitFor('the bulk writes everywhere', async () => (await get(mesh.node(1).api, 'bulk/499')).status === 200)
    assert.equal((await get(mesh.node(1).api, 'bulk/3')).status, 404)
    assert.deepEqual((await get(mesh.node(1).api, 'bulk/42')).value, { i: 42 })
  })

  it('serves the CRDT endpoints, refuses a kind mismatch with 409, and takes X-Clock as the write context', async () => {
    const api0 = mesh.node(0).api
    const api1 = mesh.node(1).api
    const post = async (path: string, body: unknown, method = 'POST'): Promise<{ status: number, body: { value?: unknown, error?: string } }> => {
      const res = await fetch(`${api0}${path}`, { method, body: JSON.stringify(body) })
      return { status: res.status, body: await res.json() as { value?: unknown, error?: string } }
    }
    assert.deepEqual((await post('/v1/crdt/set/team', { add: ['ann', 'bob'], remove: ['bob'] })).body.value, ['ann'])
    assert.deepEqual((await post('/v1/crdt/map/cfg', { set: { a: 1, b: 2 }, remove: ['b'] })).body.value, { a: 1 })
    assert.equal((await post('/v1/crdt/register/leader', 'n1', 'PUT')).body.value, 'n1')
    const mismatch = await post('/v1/crdt/counter/team', { by: 1 })
    assert.equal(mismatch.status, 409)
    assert.equal(mismatch.body.error, 'CrdtTypeMismatchError')
    await waitFor('CRDTs on node 2', async () => {
      const res = await fetch(`${api1}/v1/crdt/map/cfg`)
      return res.status === 200 && JSON.stringify((await res.json() as { value: unknown }).value) === '{"a":1}'
    })
    // Read-modify-write: the X-Clock of a read, sent back, replaces exactly what was read.
    await put(api0, 'doc', { v: 1 })
    const read = await get(api0, 'doc')
    const res = await fetch(`${api0}/v1/data/doc`, { method: 'PUT', body: JSON.stringify({ v: 2 }), headers: { 'X-Clock': read.clock ?? '{}' } })
    assert.equal(res.status, 200)
    await res.text()
    assert.deepEqual((await get(api0, 'doc')).value, { v: 2 })
    const bad = await fetch(`${api0}/v1/data/doc`, { method: 'PUT', body: '1', headers: { 'X-Clock': 'nope' } })
    assert.equal(bad.status, 400)
    await bad.text()
  })

  it('answers GET /v1/data?since= with what the caller lacks', async () => {
    const api = mesh.node(0).api
    const all = await (await fetch(`${api}/v1/data?since=${encodeURIComponent('{}')}`)).json() as { clock: Record<string, number>, deltas: unknown[] }
    assert.ok(all.deltas.length >= 60)
    const none = await (await fetch(`${api}/v1/data?since=${encodeURIComponent(JSON.stringify(all.clock))}`)).json() as { deltas: unknown[] }
    assert.equal(none.deltas.length, 0)
    const bad = await fetch(`${api}/v1/data?since=nope`)
    assert.equal(bad.status, 400)
    assert.equal((await bad.json() as { error: string }).error, 'MalformedRequest')
  })
})
