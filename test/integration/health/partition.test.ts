import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { allAlive, round, startMesh, status, timeUntil } from './helpers.js'
import type { LocalMesh } from '../../../src/node/local-mesh.js'

interface PartitionsBody { reports: Array<{ side: string, affectedNodes: string[], plan: { strategy: string } }> }

/**
 * A 5-node mesh split 2|3. Cutting TCP between processes needs root tools, so the split is simulated by SIGSTOPping
 * two nodes: the three see a minority of two unreachable (a `majority`-side partition) and heal on SIGCONT. The
 * minority side's own detection (it cannot reach a majority) is covered in-process, where connections can be cut
 * (test/unit/mesh/health-service/partition-service.test.ts), and by the pure core's tests.
 */
describe('partition detection and healing between fedmesh processes', () => {
  let mesh: LocalMesh

  before(async () => {
    mesh = await startMesh(5)
    await timeUntil('a full healthy mesh of 5', async () => allAlive(mesh), 30_000, 100)
  })

  after(async () => {
    await mesh?.stop()
  })

  it('the 3 detect the 2 as unreachable, report it in /v1/status, and heal when they come back', async () => {
    const frozen = [mesh.node(3), mesh.node(4)]
    const majority = mesh.nodes.filter(n => !frozen.includes(n))
    const frozenIds = frozen.map(n => n.peerId).sort()
    const splitAt = performance.now()
    const splitWall = Date.now()
    for (const n of frozen) await mesh.signal(n.index, 'SIGSTOP')
    const detected = await timeUntil('the 3 to report a partition', async () => {
      const all = await Promise.all(majority.map(async n => status(n.api)))
      return all.every(s => s.partition.partitioned)
    }, 8_000)
    console.info(`split 2|3 (2 frozen) → partition in /v1/status of all 3 after ${round(performance.now() - splitAt)} ms`)
    for (const n of majority) {
      const s = await status(n.api)
      assert.equal(s.partition.type, 'majority')
      assert.deepEqual(s.partition.affectedNodes, frozenIds)
      assert.ok(s.partition.since != null)
      const since = Date.parse(s.partition.since)
      assert.ok(since >= splitWall - 50 && since <= splitWall + detected, `since ${s.partition.since} lies within the split`)
      assert.equal(s.mesh.partitions.seen, 1)
    }
    const healAt = performance.now()
    for (const n of frozen) await mesh.signal(n.index, 'SIGCONT')
    await timeUntil('the 3 to report the partition healed', async () => {
      const all = await Promise.all(majority.map(async n => status(n.api)))
      return all.every(s => !s.partition.partitioned)
    }, 8_000)
    console.info(`thawed → partition healed in /v1/status of all 3 after ${round(performance.now() - healAt)} ms`)
    for (const n of majority) {
      const s = await status(n.api)
      assert.deepEqual(s.partition, { partitioned: false, type: 'none', since: null, affectedNodes: [] })
      assert.equal(s.mesh.partitions.healed, 1)
      const partitions = async (): Promise<PartitionsBody> => {
        const res = await fetch(`${n.api}/v1/partitions`)
        assert.equal(res.status, 200)
        return await res.json() as PartitionsBody
      }
      await timeUntil('the recovery report', async () => (await partitions()).reports.length === 1, 5_000)
      const report = (await partitions()).reports[0]!
      assert.equal(report.side, 'majority')
      assert.deepEqual(report.affectedNodes, frozenIds)
      assert.equal(report.plan.strategy, 'merge')
    }
    await timeUntil('everyone alive again', async () => allAlive(mesh), 5_000, 100)
  })
})
