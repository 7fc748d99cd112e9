import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { LocalMesh } from '../../../src/node/local-mesh.js'
import { allAlive, status, timeUntil } from './helpers.js'

/**
 * `partition.serveLocalWhilePartitioned: false`: a node that cannot reach a quorum of the mesh refuses
 * local writes (gossip state, replicated data) with 503 `Partitioned` until the partition heals. Two of
 * three nodes are SIGSTOPped to cut the third off from a quorum.
 */
describe('local writes while partitioned', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedmesh-serving-'))
  const config = join(dir, 'config.json')
  let mesh: LocalMesh

  before(async () => {
    writeFileSync(config, JSON.stringify({ partition: { strategy: 'merge', serveLocalWhilePartitioned: false } }))
    mesh = await LocalMesh.start({ nodes: 3, args: () => ['--config', config] })
    await timeUntil('a healthy mesh of 3', async () => allAlive(mesh), 30_000, 100)
  })

  after(async () => {
    await mesh?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('are refused with 503 Partitioned on a side without quorum and served again after healing', async () => {
    const lone = mesh.node(0)
    const put = async (path: string, body: string): Promise<Response> => await fetch(`${lone.api}${path}`, { method: 'PUT', body })
    assert.equal((await put('/v1/data/before', '1')).status, 200)
    for (const i of [1, 2]) await mesh.signal(i, 'SIGSTOP')
    try {
      await timeUntil('the lone node to see itself partitioned', async () => (await status(lone.api)).partition.partitioned, 10_000)
      const refused = await put('/v1/data/during', '2')
      assert.equal(refused.status, 503)
      assert.equal(refused.headers.get('retry-after'), '1')
      assert.equal((await refused.json() as { error: string }).error, 'Partitioned')
      assert.equal((await put('/v1/state/load', '0.5')).status, 503)
      assert.equal((await fetch(`${lone.api}/v1/data/before`)).status, 200, 'reads are still served')
    } finally {
      for (const i of [1, 2]) await mesh.signal(i, 'SIGCONT')
    }
    await timeUntil('the partition to heal', async () => !(await status(lone.api)).partition.partitioned, 10_000)
    assert.equal((await put('/v1/data/after', '3')).status, 200)
  })
})
