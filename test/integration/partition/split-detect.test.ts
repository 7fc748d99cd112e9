import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { NetnsMesh, netnsUnavailable, ownNamespaces } from '../../../src/node/netns-mesh.js'
import { waitFor } from '../raft/helpers.js'

interface PartitionSection { partitioned: boolean, type: string, since: string | null, affectedNodes: string[] }
interface StatusBody { peerId: string, peers: Array<{ peerId: string, connected: boolean }>, partition: PartitionSection }
interface HealthStatus extends StatusBody { health: { peers: Array<{ peerId: string, health: string, connected: boolean | null }> } }

const skip = netnsUnavailable()
/** The detection bound this test holds every node to (the detector's own timeouts are below ~2 s). */
const DETECT_BOUND_MS = 4_000
/** JSON text with object keys sorted at every depth, so equal values compare equal whatever their insertion order. */
function canonical (text: string): string {
  const sort = (v: unknown): unknown => Array.isArray(v)
    ? v.map(sort)
    : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([k, x]) => [k, sort(x)])) : v
  return JSON.stringify(sort(JSON.parse(text)))
}
const until = async <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 50): Promise<T> => await waitFor(what, fn, timeoutMs, everyMs)

/**
 * A 5-node mesh, one network namespace per node, split 2|3 for real by moving the switch ports of the 3 to another
 * bridge (connections hang; no process is paused). Both sides must detect the split, each write on its own side,
 * and after the heal everything converges.
 */
describe('partition detection across a real network cut (network namespaces)', { skip }, () => {
  let mesh: NetnsMesh
  const all = [0, 1, 2, 3, 4]
  const minority = [0, 1]
  const majority = [2, 3, 4]
  const status = async (i: number): Promise<StatusBody> => await mesh.json<StatusBody>(i, '/v1/status', { timeoutMs: 5_000 })

  /** Every node's view of its peers' health and of the partition, for a failure message. */
  const diagnose = async (): Promise<string> => {
    const name = (id: string): number => mesh.nodes.findIndex(n => n.peerId === id)
    const lines = await Promise.all(all.map(async (i) => {
      const s = await mesh.json<HealthStatus>(i, '/v1/status').catch((e: Error) => e.message)
      if (typeof s === 'string') return `node ${i}: ${s}`
      return `node ${i}: peers ${s.health.peers.map(p => `${name(p.peerId)}=${p.health}${p.connected === true ? '+' : '-'}`).join(' ')}; partition ${JSON.stringify({ ...s.partition, affectedNodes: s.partition.affectedNodes.map(name) })}`
    }))
    return lines.join('\n')
  }

  before(async () => {
    mesh = await NetnsMesh.start({ nodes: 5 })
    // Every node connected to and heartbeating every other (only peers the failure detector tracks count for
    // partition detection), before anything is cut.
    await until('a full, healthy mesh of 5 with no partition', async () => {
      const s = await Promise.all(all.map(async i => await mesh.json<HealthStatus>(i, '/v1/status', { timeoutMs: 5_000 })))
      return s.every(x => x.peers.filter(p => p.connected).length === 4 && x.health.peers.filter(p => p.health === 'alive').length === 4 && !x.partition.partitioned)
    }, 20_000)
  })

  after(async () => {
    await mesh?.stop()
    assert.deepEqual(ownNamespaces(), [], 'every namespace the test made is gone')
  })

  it('both sides of a 2|3 cut report it; writes on each side converge on all 5 after the heal', { timeout: 45_000 }, async () => {
    const ids = all.map(i => mesh.node(i).peerId)
    const cutAt = performance.now()
    mesh.cut(minority, majority)
    const detectedMs = await Promise.all(all.map(async i => await until(`node ${i} to report the partition`, async () => {
      const s = await status(i)
      return s.partition.partitioned ? performance.now() - cutAt : undefined
    }, DETECT_BOUND_MS + 4_000).catch(async (err: Error) => { throw new Error(`${err.message}\n${await diagnose()}`) })))
    console.info(`cut 2|3 → partitioned in /v1/status after ${detectedMs.map(ms => Math.round(ms)).join(', ')} ms (nodes 0-1 | 2-4)`)
    for (const [i, ms] of detectedMs.entries()) assert.ok(ms <= DETECT_BOUND_MS, `node ${i} detected the cut after ${Math.round(ms)} ms`)
    for (const i of all) {
      const p = (await status(i)).partition
      const mine = minority.includes(i)
      assert.equal(p.partitioned, true)
      assert.equal(p.type, mine ? 'minority' : 'majority', `node ${i}`)
      assert.deepEqual(p.affectedNodes, (mine ? majority : minority).map(j => ids[j]).sort(), `node ${i} names the other side`)
      assert.ok(p.since != null)
    }

    // Each side writes; the other side must not see it while the cut lasts.
    const put = async (i: number, path: string, value: unknown): Promise<void> => {
      const res = await mesh.fetch(i, path, { method: 'PUT', body: JSON.stringify(value), headers: { 'content-type': 'application/json' } })
      assert.equal(res.status, 200, `PUT ${path} on node ${i}: ${res.body}`)
    }
    await put(0, '/v1/state/left', { side: 'minority' })
    await put(3, '/v1/state/right', { side: 'majority' })
    await put(1, '/v1/data/from-minority', { n: 1 })
    await put(4, '/v1/data/from-majority', { n: 2 })
    await put(0, '/v1/data/both', { by: 'minority' })
    await put(2, '/v1/data/both', { by: 'majority' })
    await until('each side to replicate its own writes', async () => {
      const a = await mesh.fetch(1, '/v1/data/both')
      const b = await mesh.fetch(3, '/v1/data/from-majority')
      const c = JSON.parse((await mesh.fetch(4, '/v1/state')).body) as Record<string, unknown>
      return a.status === 200 && JSON.parse(a.body).by === 'minority' && b.status === 200 && JSON.stringify(c).includes('right')
    }, 10_000)
    assert.equal((await mesh.fetch(2, '/v1/data/from-minority')).status, 404, 'the cut really separates the sides')
    assert.equal((await mesh.fetch(0, '/v1/data/from-majority')).status, 404, 'the cut really separates the sides')

    const healAt = performance.now()
    mesh.heal()
    const healedMs = await Promise.all(all.map(async i => await until(`node ${i} to report the partition healed`, async () => {
      const s = await status(i)
      return !s.partition.partitioned ? performance.now() - healAt : undefined
    }, 15_000)))
    console.info(`heal → partitioned=false after ${healedMs.map(ms => Math.round(ms)).join(', ')} ms`)
    for (const i of all) assert.deepEqual((await status(i)).partition, { partitioned: false, type: 'none', since: null, affectedNodes: [] })

    let seen = ''
    const converged = await until('state and data to converge on all 5', async () => {
      const states = await Promise.all(all.map(async i => canonical((await mesh.fetch(i, '/v1/state')).body)))
      seen = `state: ${states.join(' | ')}`
      if (new Set(states).size !== 1 || !states[0]!.includes('left') || !states[0]!.includes('right')) return undefined
      for (const key of ['from-minority', 'from-majority', 'both']) {
        const reads = await Promise.all(all.map(async i => await mesh.fetch(i, `/v1/data/${key}`)))
        seen = `data ${key}: ${reads.map(r => `${r.status} ${r.body.trim()} ${r.headers['x-clock'] ?? ''}`).join(' | ')}`
        if (reads.some(r => r.status !== 200) || new Set(reads.map(r => canonical(r.body))).size !== 1) return undefined
      }
      return performance.now() - healAt
    }, 15_000, 100).catch((err: Error) => { throw new Error(`${err.message}; last seen ${seen}`) })
    console.info(`heal → gossip state and replicated data equal on all 5 after ${Math.round(converged)} ms`)
    assert.deepEqual(JSON.parse((await mesh.fetch(2, '/v1/data/from-minority')).body), { n: 1 })
    assert.deepEqual(JSON.parse((await mesh.fetch(0, '/v1/data/from-majority')).body), { n: 2 })
    const state = JSON.parse((await mesh.fetch(1, '/v1/state')).body) as unknown
    assert.ok(JSON.stringify(state).includes('"majority"') && JSON.stringify(state).includes('"minority"'), `state has both sides' writes: ${JSON.stringify(state)}`)
  })
})
